// Steps for login and the connect phase. Thin: the checks live in support/checks.
import { Given, Then, When } from '@cucumber/cucumber';
import { parseCredential } from '../support/broker/credentials.ts';
import type { Transport } from '../support/broker/options.ts';
import { checkConnack, checkConnectedOnce } from '../support/checks/connect.ts';
import type { HilWorld } from '../support/world.ts';

Given('the broker accepts {string}', function (this: HilWorld, credential: string) {
  this.lab.addCredential(parseCredential(credential));
});

When('a client connects over {word} as {string} with username {string} and password {string}',
  async function (this: HilWorld, transport: Transport, clientId: string, username: string, password: string) {
    this.lastConnect = await this.lab.connect(transport, { clientId, username, password });
  });

Then('the broker answers CONNACK {int}', function (this: HilWorld, code: number) {
  checkConnack(this.lab.record.events(), this.lastConnect!.conn!, code, this.lab.recordPath);
});

Then('the record shows exactly one CONNECT with ClientId {string}', function (this: HilWorld, clientId: string) {
  checkConnectedOnce(this.lab.record.events(), clientId, this.lab.recordPath);
});
