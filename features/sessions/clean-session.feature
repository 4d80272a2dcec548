@serial @sessions
Feature: Clean session
  With clean session 0 the subscription survives a lost link and operations created meanwhile
  arrive on reconnect without a new SUBSCRIBE; with clean session 1 nothing survives.

  Scenario: clean session 0: an operation created while the link is down arrives on reconnect
    Given the device is set up for the broker over mqtt
    And the device uses clean session 0
    When the device connects
    And the device loses its link
    And an operation c8y_Command is created for "{serial}" with the parameter "uptime"
    And the device gets its link back
    Then the device's CONNECT has clean session 0
    And the operation ends SUCCESSFUL within 5 seconds

  @slow
  Scenario: clean session 1: an operation created while the link is down is not pushed on reconnect
    Given the device is set up for the broker over mqtt
    And the device uses clean session 1
    When the device connects
    And the device loses its link
    And an operation c8y_Restart is created for "{serial}"
    And the device gets its link back
    Then the device's CONNECT has clean session 1
    And the operation is still PENDING after 1 second
