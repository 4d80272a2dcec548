@resilience
Feature: Data the platform refuses
  The platform answers a line it cannot take with an error on s/e. Sending the same line again
  does not change the answer: a device notes the error and goes on; it does not resend in a loop.

  Scenario: a refused measurement is not sent again and again
    Given the device is set up for the broker over mqtt
    And the platform refuses the device's measurements
    When the device connects
    And the device sends the temperature "22.5" for "{serial}"
    Then the device sends no refused line again more than 2 times in 3 seconds
