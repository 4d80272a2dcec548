// aedes-persistence-redis ships no types: a factory of aedes' callback persistence over ioredis
declare module 'aedes-persistence-redis' {
  const factory: (opts: object) => unknown;
  export default factory;
}
