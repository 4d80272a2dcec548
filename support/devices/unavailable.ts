/** Something a driver needs is not on this machine: the scenario is skipped with this reason. */
export class DeviceUnavailable extends Error {}
