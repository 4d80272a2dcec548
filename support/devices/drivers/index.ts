// Every driver, registered by importing its file.
import './emulated.ts';
import './serial.ts';
import './tcp.ts';
import './process.ts';
import './container.ts';
import './agent.ts';

export { driverNamed, registeredDrivers, type Driver, type DriverContext } from './registry.ts';
