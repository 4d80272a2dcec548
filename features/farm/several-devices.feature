@devices @operations
Feature: Several devices in one scenario
  A scenario may name devices beside the device under test: a peer on the same broker, a second
  board on the bench (a device of the lab by that name, leased when the lab leases), else the
  built-in emulated device. Each connects on its own, gets its own operations and is audited on
  its own: a device that acted on the other's operation breaks operations.no-matching.

  Scenario: two devices on one broker each answer their own operations, and only those
    Given the device is set up for the broker over mqtt
    And the device "peer" is set up for the broker over mqtt
    When the device connects
    And the device "peer" connects
    And an operation c8y_Restart is created for "{serial:peer}"
    Then the operation ends SUCCESSFUL within 10 seconds
    And the device "peer" answered it with 501 then 503 on "s/us", in order, exactly once
    When an operation c8y_Restart is created for "{serial}"
    Then the operation ends SUCCESSFUL within 10 seconds
    And the device answered it with 501 then 503 on "s/us", in order, exactly once
