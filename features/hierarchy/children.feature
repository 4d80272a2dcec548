@serial @hierarchy
Feature: Child devices
  Children are created with 101 on the parent's topic; a child's data goes on s/us/<child>; its
  operations arrive on the root's s/ds carrying the child's id; their status goes on the child's topic.

  Background:
    Given the device is set up for the broker over mqtt
    When the device connects
    And the device adds the child "{serial}-c1"

  Scenario: a child is created with 101 and its data goes on its own topic
    Then the platform has "{serial}-c1" as a child of "{serial}"
    When the device sends the temperature "19.5" for "{serial}-c1"
    Then the device sent it on the child's own topic
    And the platform has a temperature of 19.5 on "{serial}-c1"

  Scenario: an operation for a child goes through the root and is answered on the child's topic
    When an operation c8y_Restart is created for "{serial}-c1"
    Then the device received the operation as "510,{serial}-c1"
    And the operation ends SUCCESSFUL within 5 seconds
    And the device answered it with 501 then 503 on "s/us/{serial}-c1", in order, exactly once
