@resilience
Feature: Getting back when the platform refuses or goes silent
  Cumulocity answers a reconnect it cannot take with CONNACK 3 (retry later), and a link can go
  silent somewhere between the device and the platform. A device waits between its attempts
  instead of storming the platform, and notices a silent link by its keepalive.

  Scenario: refused reconnects are retried with a backoff, and the device gets back
    Given the device is set up for the broker over mqtt
    When the device connects
    And the broker drops the device's link and refuses its next 3 reconnects
    Then the device connects again within 30 seconds, its attempts at least 200 ms apart

  # MQTT 3.1.1 leaves the client "a reasonable amount of time" for the PINGRESP: it pings once it
  # has sent nothing for a keepalive, so one keepalive more for the answer is allowed
  Scenario: a silent link is noticed by the keepalive, and the device connects again
    Given the device is set up for the broker over mqtt
    And the device uses a keepalive of 2 seconds
    When the device connects
    And the broker black-holes the device's link
    Then the device notices the silent link within 2.5 × its keepalive and connects again

  # two units with one identifier (a cloned image, a swapped board) take it from each other: each
  # attempt of the device takes the identifier back, 50 ms later the rival takes it again
  Scenario: taken over again and again, the device backs off instead of storming back
    Given the device is set up for the broker over mqtt
    When the device connects
    And a second client keeps taking over the device's identifier for 4 seconds
    Then the device connects again within 30 seconds, its attempts at least 200 ms apart and at most 12 a minute
