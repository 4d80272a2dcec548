@resilience
Feature: The broker restarts
  The platform's MQTT endpoint restarts now and then. A device reconnects by itself (backing off
  while nothing listens), and gets the operations created meanwhile: through its session when the
  broker kept it (clean session 0), else by subscribing again, when the platform pushes them.

  Scenario: sessions kept: the device reconnects and its session brings the operation
    Given the device is set up for the broker over mqtt
    And the device uses clean session 0
    And the broker keeps sessions in Redis
    When the device connects
    And the broker restarts and is down for 1 second, keeping sessions
    And an operation c8y_Restart is created for "{serial}"
    Then the device connects again within 20 seconds, its attempts at least 200 ms apart
    And the broker resumed the device's session
    And the operation ends SUCCESSFUL within 20 seconds

  Scenario: sessions lost: the device reconnects, subscribes again and gets the operation pushed
    Given the device is set up for the broker over mqtt
    And the broker pushes pending operations in one PUBLISH
    When the device connects
    And the broker restarts and is down for 1 second, losing sessions
    And an operation c8y_Restart is created for "{serial}"
    Then the device connects again within 20 seconds, its attempts at least 200 ms apart
    And the operation ends SUCCESSFUL within 20 seconds
