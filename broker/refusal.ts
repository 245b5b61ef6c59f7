/**
 * An error the broker raises on purpose: a refused CONNECT (with its CONNACK return code), a
 * refused publish, a broken limit. It has been counted and logged where it was raised, so the
 * broker's error events do not count it again as a client error.
 */
export class BrokerRefusal extends Error {
  constructor(
    message: string,
    /** CONNACK return code (MQTT 3.1.1): 2 identifier rejected, 3 server unavailable, 4 bad username or password, 5 not authorised. */
    readonly returnCode?: 2 | 3 | 4 | 5,
  ) {
    super(message);
    this.name = "BrokerRefusal";
  }
}
