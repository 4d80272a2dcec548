@serial @connect
Feature: Login with tenant/user
  The device logs in as "<tenant>/<user>"; the broker answers with the platform's CONNACK codes.

  Background:
    Given the device is set up for the broker over mqtt

  Scenario: a device with a correct login is accepted
    When the device connects
    Then the broker answers the device CONNACK 0

  @expects:connect.credentials
  Scenario Outline: a bad login is refused with the platform's code
    Given the device logs in as "<username>" with password "<password>"
    When the device tries to connect
    Then the broker answers the device CONNACK <code>

    Examples:
      | username    | password | code |
      | t100/device | wrong    | 4    |
      | t100/nobody | s3cret   | 4    |
      | device      | s3cret   | 5    |
