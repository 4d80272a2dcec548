@serial @connect @tls @certificate
Feature: Login with a client certificate
  On the TLS port a device may log in with a client certificate instead of a password: the
  certificate's CN is the device identifier of the ClientId, and it chains to a CA the tenant trusts.

  Scenario: the device logs in with its certificate and registers
    Given the device is set up for the broker over mqtts
    And the device logs in with a certificate
    When the device connects
    Then the broker answers the device CONNACK 0
    And the platform knows the device as "{serial}"
