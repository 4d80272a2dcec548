@resilience
Feature: Over the rate limit
  Cumulocity limits the messages a client sends a second: over the limit its messages wait; when
  more wait than the queue holds the client is disconnected, and again on its first message if it
  comes back still over. A device that comes back slows down instead of being cut again and again.

  # the platform pushes the operations still pending when the device subscribes again
  Scenario: disconnected for its rate, the device comes back and slows down
    Given the device is set up for the broker over mqtt
    And the broker pushes pending operations in one PUBLISH
    When the device connects
    And the broker limits the device to 2 messages a second, holding 2 beyond it
    And 10 operations c8y_Command are created for "{serial}"
    Then the device is disconnected for its rate at most 2 times in 8 seconds
    And all the operations end SUCCESSFUL within 30 seconds
