@browser
Feature: A device in a browser
  A device that runs in a web page reaches Cumulocity over WebSocket; the usual checks apply to it.
  It runs in real Chromium, on mqtt.js' browser bundle.

  Scenario Outline: the device runs in Chromium over <transport>
    Given the device runs in a browser
    And the device is set up for the broker over <transport>
    When the device connects
    Then the broker answers the device CONNACK 0
    And the device's ClientId is well-formed
    And the device registered with 100 before it subscribed to s/ds
    When an operation c8y_Command is created for "{serial}" with the parameter "a,b \"c\"\nd"
    Then the operation ends SUCCESSFUL within 5 seconds
    And the operation's result is what the device promises for "a,b \"c\"\nd"
    And the device answered it with 501 then 503 on "s/us", in order, exactly once
    And every SmartREST line the device sent follows the seed's escaping

    @ws
    Examples: WebSocket
      | transport |
      | ws        |

    @ws @tls
    Examples: secure WebSocket
      | transport |
      | wss       |
