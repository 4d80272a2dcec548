// The device under test: configure it, connect it, make it act.
import { Given, When } from '@cucumber/cucumber';
import type { Transport } from '../support/broker/options.ts';
import { connectDevice, linkBack } from '../support/steps-context.ts';
import type { HilWorld } from '../support/world.ts';
import { chromiumMissing } from '../support/report/browser.ts';
import { recorded } from '../support/devices/recorded.ts';

Given('the device is set up for the broker over {transport}', function (this: HilWorld, transport: Transport) {
  this.transport = transport;
  this.settings = { ...this.settings, ...this.lab.deviceSettings(transport) };
});

Given('the device uses the ClientId {string}', function (this: HilWorld, clientId: string) {
  this.settings.clientId = this.expand(clientId);
});

Given(
  'the device logs in as {string} with password {string}',
  function (this: HilWorld, username: string, password: string) {
    const slash = username.indexOf('/');
    this.settings.tenant = slash < 0 ? '' : username.slice(0, slash);
    this.settings.user = slash < 0 ? username : username.slice(slash + 1);
    this.settings.password = password;
  },
);

Given('the device logs in with a certificate', async function (this: HilWorld) {
  Object.assign(this.settings, await this.lab.deviceCertificate(this.device.id));
});

Given('the device uses {qos}', function (this: HilWorld, qos: 0 | 1 | 2) {
  this.settings.qos = qos;
  this.expected.qos = qos;
});

Given('the device uses clean session {int}', function (this: HilWorld, clean: number) {
  this.settings.clean = clean === 1;
  this.expected.clean = clean === 1;
});

When('the device connects', function (this: HilWorld) {
  return connectDevice(this);
});

When('the device tries to connect', async function (this: HilWorld) {
  await this.device.configure(this.settings);
  try {
    await this.device.connect();
    this.lastConnect = {};
  } catch (err) {
    this.lastConnect = { error: (err as Error).message };
  }
});

When('the device disconnects', async function (this: HilWorld) {
  await this.device.disconnect();
});

When('the device loses its link', async function (this: HilWorld) {
  this.linkLostAt = await this.lab.linkDown(this.device);
});

When("the broker drops the device's link", async function (this: HilWorld) {
  this.linkLostAt = await this.lab.dropLink(this.device);
});

When(
  "the broker drops the device's link and refuses its reconnects for {duration}",
  async function (this: HilWorld, ms: number) {
    this.linkLostAt = await this.lab.dropLink(this.device, ms);
  },
);

// a reconnect counts from the moment the link was lost (an agent may be back before this step)
When('the device gets its link back', async function (this: HilWorld) {
  await this.lab.linkUp(this.device);
  await linkBack(this);
});

// the record shows the link gone; a device whose profile names its console line for it is read too
When('the device notices its link is gone', async function (this: HilWorld) {
  this.linkLostAt = await this.lab.linkGone(this.device);
});

When('the device publishes {json} on {string}', async function (this: HilWorld, payload: string, topic: string) {
  await this.device.publish(this.expand(topic), this.expand(payload));
});

When('the device adds the child {string}', async function (this: HilWorld, child: string) {
  await this.device.action('addChild', { child: this.expand(child) });
});

When(
  'the device sends the temperature {string} for {string}',
  async function (this: HilWorld, value: string, device: string) {
    this.dataFor = { device: this.expand(device), since: this.lab.record.events().at(-1)?.seq ?? 0 };
    await this.device.action('measure', { device: this.dataFor.device, value });
  },
);

When(
  'the device sends a measurement {word} {word} of {string} with unit {json}',
  async function (this: HilWorld, fragment: string, series: string, value: string, unit: string) {
    await this.device.action('sensor', { device: this.device.id, fragment, series, value, unit });
  },
);

When('the device sends an event {word} with text {json}', async function (this: HilWorld, type: string, text: string) {
  await this.device.action('event', { device: this.device.id, type, text });
});

When("the broker loses the device's next {word}", function (this: HilWorld, packet: string) {
  this.lab.loseNext(this.device.id, packet);
});

Given('the device runs in a browser', async function (this: HilWorld) {
  const missing = chromiumMissing();
  if (missing) {
    this.attach(`skipped: ${missing}`, 'text/plain');
    return 'skipped';
  }
  // esbuild, playwright and testcontainers load only for the scenarios that need them
  const { startBrowserDevice } = await import('../support/devices/browser-device.ts');
  this.browserDevice = recorded(await startBrowserDevice(`BROWSER-${process.pid}`, this.lab.record));
  return useOwnDevice(this);
});

Given("the device's image runs in a container", async function (this: HilWorld) {
  const { containerEngineMissing, startContainerDevice } = await import('../support/devices/container-device.ts');
  const missing = this.device.profile.container
    ? await containerEngineMissing()
    : `${this.device.profile.file} has no container section`;
  if (missing) {
    this.attach(`skipped: ${missing}`, 'text/plain');
    return 'skipped';
  }
  const id = `CONTAINER-${process.pid}`;
  this.browserDevice = recorded(
    await startContainerDevice(id, this.device.profile, this.lab.record, {}, [this.lab.dir]),
  );
  return useOwnDevice(this);
});

/** the scenario's own device (in a browser, in a container) replaces the worker's for this scenario */
async function useOwnDevice(w: HilWorld): Promise<undefined> {
  w.browserDevice!.setRecord(w.lab.record);
  w.device = w.browserDevice!;
  await w.device.reset();
  return undefined;
}
