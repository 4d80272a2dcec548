@serial @smartrest
Feature: What the platform does not support, and s/e
  Retained messages are never stored, devices may not subscribe to the topics they publish to,
  the last will is not supported, and bad lines are answered on s/e.

  Background:
    Given the device is set up for the broker over mqtt
    When the device connects

  Scenario: the retain flag is accepted but nothing is stored
    When a helper client publishes "400,c8y_Retained,kept?" on "s/us" with the retain flag
    And an operation c8y_Restart is created for "{serial}"
    Then the operation ends SUCCESSFUL within 5 seconds
    And the broker ignored the retain flag: nothing stored, nothing sent with it

  Scenario: a subscription to s/us is refused and the connection stays open
    When a helper client over mqtt subscribes to "s/us"
    Then the broker refuses it with SUBACK 0x80 and the connection stays open

  @strict
  Scenario: in a strict run, the device sets no last will (it is never published, so it is a warning otherwise)
    Then the device's CONNECT carries no last will

  Scenario Outline: a bad line is answered on s/e with code <code>
    When the device publishes <line> on "s/us"
    Then the broker answers the device on s/e with code <code> within 2 seconds

    @expects:smartrest.unknown-template
    Examples: an unknown template
      | line                  | code |
      | "999,unknown"         | 40   |

    Examples: a repeated 100 (info only: the docs say 100 is safe at every boot)
      | line                  | code |
      | "100"                 | 41   |

    @expects:escaping.unbalanced-quote
    Examples: a quote that never closes
      | line                  | code |
      | "400,c8y_E,\"open"    | 42   |

    @expects:smartrest.parameters
    Examples: a value of the wrong kind
      | line                  | code |
      | "200,c8y_T,T,warm"    | 45   |
