@connect
Feature: Login with tenant/user and the platform's CONNACK codes
  A device logs in as "<tenant>/<user>"; the broker answers like Cumulocity does.

  Background:
    Given the broker accepts "t100/device:s3cret"

  Scenario: a device with a correct login is accepted
    When a client connects over mqtt as "d:SN-1" with username "t100/device" and password "s3cret"
    Then the broker answers CONNACK 0
    And the record shows exactly one CONNECT with ClientId "d:SN-1"

  Scenario Outline: bad logins and ClientIds are refused with the platform's code
    When a client connects over <transport> as "<clientId>" with username "<username>" and password "<password>"
    Then the broker answers CONNACK <code>

    Examples:
      | transport | clientId   | username    | password | code |
      | mqtt      | SN-2       | t100/device | wrong    | 4    |
      | mqtts     | SN-3       | device      | s3cret   | 5    |
      | ws        | d:a:b:c    | t100/device | s3cret   | 2    |
      | wss       | x:SN-4     | t100/device | s3cret   | 2    |
