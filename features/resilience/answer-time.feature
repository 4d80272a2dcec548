@resilience
Feature: Answer times with limits
  A release gate on how fast the device takes up its operations: measured from the record's
  timestamps (operation created → the device's 501), with a limit on a share of them.

  Scenario: ten operations, each taken up (501) within 2 seconds for 90% of them
    Given the device is set up for the broker over mqtt
    When the device connects
    And 10 operations c8y_Command are created for "{serial}"
    Then all the operations end SUCCESSFUL within 20 seconds
    And the device answered 501 within 2 seconds for 90% of the operations
