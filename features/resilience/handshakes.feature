@resilience
Feature: Acknowledgements lost on the way
  A PUBACK, PUBREC or PUBCOMP can be lost when a link breaks. MQTT 3.1.1 has both sides send
  again what was not acknowledged when the device reconnects with clean session 0: a PUBLISH with
  DUP set and its original id, a PUBREL again. A QoS 2 message is still acted on once.

  Scenario: a lost PUBACK: the device sends its PUBLISH again, with DUP, when it reconnects
    Given the device is set up for the broker over mqtt
    And the device uses clean session 0
    When the device connects
    And the broker loses its next 1 PUBACK packet to the device
    And an operation c8y_Command is created for "{serial}" with the parameter "{command}"
    And the broker has lost them
    And the broker drops the device's link
    Then the device sends the unacknowledged PUBLISH again with DUP within 10 seconds
    And the operation ends SUCCESSFUL within 10 seconds

  Scenario: a lost PUBREC: the operation the broker sends again is acted on once
    Given the device is set up for the broker over mqtt
    And the device uses QoS 2
    And the device uses clean session 0
    When the device connects
    And the broker loses the device's next 1 PUBREC packet
    And an operation c8y_Command is created for "{serial}" with the parameter "{command}"
    And the broker has lost them
    And the broker drops the device's link
    Then the operation ends SUCCESSFUL within 10 seconds
    And the device answered it with 501 then 503 on "s/us", in order, exactly once

  Scenario: a lost PUBCOMP: the broker sends its PUBREL again, and the QoS 2 flow completes once
    Given the device is set up for the broker over mqtt
    And the device uses QoS 2
    And the device uses clean session 0
    When the device connects
    And the broker loses the device's next 1 PUBCOMP packet
    And an operation c8y_Command is created for "{serial}" with the parameter "{command}"
    And the broker has lost them
    And the broker drops the device's link
    Then the QoS 2 flow of the lost PUBCOMP completes within 10 seconds
    And the operation ends SUCCESSFUL within 10 seconds
    And the device answered it with 501 then 503 on "s/us", in order, exactly once
