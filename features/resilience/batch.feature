@resilience
Feature: Pending operations pushed several to a PUBLISH
  Cumulocity pushes a device's pending operations again when it subscribes to s/ds (and after
  500), several in one PUBLISH, a line each. A device must act on every line, not the first only.

  Scenario: five operations pushed in one PUBLISH are each answered 501 then 503, exactly once
    Given the device is set up for the broker over mqtt
    And the broker pushes pending operations in one PUBLISH
    When the device connects
    And the device loses its link
    And 5 operations c8y_Command are created for "{serial}"
    And the device gets its link back
    Then all the operations end SUCCESSFUL within 10 seconds
    And the broker pushed them to the device in one PUBLISH
