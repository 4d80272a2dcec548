@container
Feature: A device shipped as a container image
  Linux agents and gateways ship as container images. The emulated device, built into a local
  image, runs in a container on host networking; the core conformance checks apply to it.

  Background:
    Given the device's image runs in a container
    And the device is set up for the broker over mqtt

  Scenario: the containerised device connects, registers and keeps the rules
    When the device connects
    Then the broker answers the device CONNACK 0
    And the device's ClientId is well-formed
    And the device registered with 100 before it subscribed to s/ds
    And every PUBLISH from the device has QoS 1

  Scenario: the containerised device answers an operation, escaping both ways
    When the device connects
    And an operation c8y_Command is created for "{serial}" with the parameter "a,b \"c\"\nd"
    Then the operation ends SUCCESSFUL within 5 seconds
    And the operation's result is what the device promises for "a,b \"c\"\nd"
    And the device answered it with 501 then 503 on "s/us", in order, exactly once
    And every SmartREST line the device sent follows the seed's escaping

  Scenario: the containerised device handles children and a clean session 0 reconnect
    Given the device uses clean session 0
    When the device connects
    And the device adds the child "{serial}-c1"
    And the device loses its link
    And an operation c8y_Restart is created for "{serial}-c1"
    And the device gets its link back
    Then the operation ends SUCCESSFUL within 5 seconds
    And the device answered it with 501 then 503 on "s/us/{serial}-c1", in order, exactly once
