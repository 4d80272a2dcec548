@serial @qos
Feature: QoS 0, 1 and 2, up and down
  The device publishes at the QoS it is configured with; the platform sends operations at the
  QoS the device subscribed with; a QoS 2 operation is acted on exactly once.

  Scenario Outline: the device uses the configured QoS <qos> both ways
    Given the device is set up for the broker over mqtt
    And the device uses QoS <qos>
    When the device connects
    And an operation c8y_Restart is created for "{serial}"
    Then the operation ends SUCCESSFUL within 5 seconds
    And every PUBLISH from the device has QoS <qos>
    And the device subscribed to "s/ds" with QoS <qos>
    And the broker delivered the operation on "s/ds" at QoS <qos> with its full handshake

    Examples:
      | qos |
      | 0   |
      | 1   |
      | 2   |

  @slow
  Scenario: a QoS 2 operation redelivered after a lost PUBREC is acted on exactly once
    Given the device is set up for the broker over mqtt
    And the device uses QoS 2
    And the device uses clean session 0
    When the device connects
    And the broker loses the device's next PUBREC
    And an operation c8y_Restart is created for "{serial}"
    And the device notices its link is gone
    And the device gets its link back
    Then the operation ends SUCCESSFUL within 5 seconds
    And the device answered it with 501 then 503 on "s/us", in order, exactly once
