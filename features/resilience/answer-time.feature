@resilience
Feature: Answer times and rates with limits
  A release gate on how fast the device takes up its operations and reports its data: measured
  from the record's timestamps (operation created → the device's 501; the harness's request →
  the PUBLISH carrying the value), with a limit on a share of them.

  Scenario: ten operations, each taken up (501) within 2 seconds for 90% of them
    Given the device is set up for the broker over mqtt
    When the device connects
    And 10 operations c8y_Command are created for "{serial}"
    Then all the operations end SUCCESSFUL within 20 seconds
    And the device answered 501 within 2 seconds for 90% of the operations

  Scenario: twenty temperatures, each published within a second of the request, at 5 a second or more
    Given the device is set up for the broker over mqtt
    When the device connects
    And the device sends 20 temperatures one after another
    Then each was published within 1 second of the request for 95% of them
    And they were published at 5 messages a second or more
