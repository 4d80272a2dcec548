@serial @connect
Feature: ClientId format and uniqueness
  The ClientId is [connectionType:]deviceIdentifier[:defaultTemplateId]; the device identifier
  links the connection to the device, and only one connection per device identifier can live.

  Background:
    Given the device is set up for the broker over mqtt

  Scenario: the device connects with a well-formed ClientId
    When the device connects
    Then the broker answers the device CONNACK 0
    And the device's ClientId is well-formed
    And the platform knows the device as "{serial}"

  Scenario Outline: each ClientId shape names the same device
    Given the device uses the ClientId "<clientId>"
    When the device connects
    Then the broker answers the device CONNACK 0
    And the device's ClientId is well-formed
    And the platform knows the device as "{serial}"

    Examples:
      | clientId                 |
      | {serial}                 |
      | d:{serial}               |
      | d:{serial}:myTemplate    |

  @expects:clientid.format
  Scenario Outline: a ClientId that breaks the rules is refused with CONNACK 2
    Given the device uses the ClientId "<clientId>"
    When the device tries to connect
    Then the broker answers the device CONNACK 2

    Examples:
      | clientId              |
      | x:{serial}            |
      | d:{serial}:tpl:extra  |

  Scenario: a second connection for the same device identifier takes over
    When the device connects
    And a second client connects over mqtt as "d:{serial}:other"
    Then the second client gets CONNACK 0
    And the broker closes the device's connection as a takeover
