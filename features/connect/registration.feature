@serial @connect
Feature: Registration before subscription
  A device registers with 100 (or any data) before it subscribes to s/ds; the platform refuses
  s/ds for a device that does not exist yet.

  Scenario: the device registers, then subscribes, and nothing is refused
    Given the device is set up for the broker over mqtt
    When the device connects
    Then the device registered with 100 before it subscribed to s/ds
    And the broker never refused a subscription from the device
