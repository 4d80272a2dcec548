@serial @operations
Feature: Operation lifecycle on the wire
  An operation arrives on s/ds; the device answers 501 (EXECUTING) and then 503 (SUCCESSFUL) or
  502 (FAILED) for the same fragment, in order, once each.

  Background:
    Given the device is set up for the broker over mqtt
    When the device connects

  Scenario Outline: <fragment> is executed: 501 then 503, in order, exactly once
    When an operation <fragment> is created for "{serial}" with the parameters <a>, <b> and <c>
    Then the operation ends SUCCESSFUL within 5 seconds
    And the device answered it with 501 then 503 on "s/us", in order, exactly once

    Examples:
      | fragment     | a      | b       | c                 |
      | c8y_Firmware | "fw"   | "1.2.3" | "http://h/fw.bin" |

  Scenario Outline: <fragment> is executed: 501 then 503, in order, exactly once
    When an operation <fragment> is created for "{serial}" with the parameter <param>
    Then the operation ends SUCCESSFUL within 5 seconds
    And the device answered it with 501 then 503 on "s/us", in order, exactly once

    Examples:
      | fragment          | param             |
      | c8y_Command       | "{command}"       |
      | c8y_Configuration | "{configuration}" |
      | c8y_Relay         | "OPEN"            |

  Scenario: c8y_Restart is executed: 501 then 503, in order, exactly once
    When an operation c8y_Restart is created for "{serial}"
    Then the operation ends SUCCESSFUL within 5 seconds
    And the device answered it with 501 then 503 on "s/us", in order, exactly once

  Scenario: an operation the device does not support is never reported SUCCESSFUL
    When an operation the device does not support is created for "{serial}"
    Then the device does not carry it out

  Scenario: operations by template id and as the platform's JSON arrive in the documented form
    When the operation template 517 is created for "{serial}" with the parameters ["LOGA"]
    Then the device received the operation as "517,{serial},LOGA"
    When an operation is created for "{serial}" as the JSON {"c8y_Firmware": {"name": "fw", "version": "2.0", "url": "http://h/fw", "dependency": "base"}}
    Then the device received the operation as "525,{serial},fw,2.0,http://h/fw,base"
