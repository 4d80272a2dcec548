@serial @smartrest
Feature: SmartREST escaping, both ways
  A value with a comma, a line break, a carriage return or a double quote is enclosed in double
  quotes, and a double quote inside is written \". Nasty values must survive measurements,
  events, 511 commands and 513 configurations unchanged. Values are JSON strings; in a table cell
  Gherkin reads \\ as one backslash, so a JSON \n is written \\n there.

  Background:
    Given the device is set up for the broker over mqtt
    When the device connects

  Scenario Outline: events and measurements from the device: <what>
    When the device sends an event c8y_Nasty with text <value>
    And the device sends a measurement c8y_Nasty v of "1" with unit <value>
    Then the platform has an event c8y_Nasty with the text <value>
    And the platform has the measurement c8y_Nasty v with unit <value>
    And every SmartREST line the device sent follows the seed's escaping

    Examples:
      | what                | value                          |
      | comma               | "a,b"                          |
      | quotes              | "say \"hi\""                   |
      | comma and quotes    | "a,b \"c\""                    |
      | line break          | "line 1\\nline 2"              |
      | carriage return     | "cr\\rhere"                    |
      | backslash           | "C:\\\\temp\\\\file"           |
      | backslash and quote | "\\\\\""                       |
      | unicode             | "ünïcødé 😀 中文"              |
      | spaces around       | "  padded  "                   |

  Scenario Outline: commands and configurations to the device: <what>
    When an operation c8y_Command is created for "{serial}" with the parameter <value>
    Then the operation ends SUCCESSFUL within 5 seconds
    And the operation's result is what the device promises for <value>
    When an operation c8y_Configuration is created for "{serial}" with the parameter <value>
    Then the operation ends SUCCESSFUL within 5 seconds
    And the device's configuration on the platform is <value>
    And every SmartREST line the device sent follows the seed's escaping

    Examples:
      | what             | value                 |
      | comma and quotes | "ls -l \"a,b\""       |
      | line breaks      | "one\\ntwo\\r\\nthree" |
      | backslashes      | "echo \\\\n"          |
      | empty            | ""                    |
