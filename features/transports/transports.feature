@serial
Feature: Every transport
  Cumulocity serves MQTT over TCP and WebSocket (path /mqtt), each plain and with TLS.

  Scenario Outline: the device works over <transport>
    Given the device is set up for the broker over <transport>
    When the device connects
    Then the broker answers the device CONNACK 0
    When an operation c8y_Restart is created for "{serial}"
    Then the operation ends SUCCESSFUL within 5 seconds

    @tcp
    Examples: plain TCP
      | transport |
      | mqtt      |

    @tls
    Examples: TLS
      | transport |
      | mqtts     |

    @ws
    Examples: WebSocket
      | transport |
      | ws        |

    @ws @tls
    Examples: secure WebSocket
      | transport |
      | wss       |
