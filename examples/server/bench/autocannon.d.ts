// The part of autocannon's API the benchmark uses (the package ships no types and @types/autocannon is not installed).
declare module 'autocannon' {
  interface Options {
    url: string
    connections?: number
    pipelining?: number
    duration?: number
    /** Total requests to send instead of running for `duration`. */
    amount?: number
    headers?: Record<string, string>
  }
  interface Histogram {
    average: number
    p50: number
    p99: number
  }
  interface Result {
    requests: Histogram
    latency: Histogram
    errors: number
    non2xx: number
  }
  /** The running instance: a promise of the result that also reports each response. */
  interface Instance extends Promise<Result> {
    on(event: 'response', listener: (...args: unknown[]) => void): Instance
  }
  function autocannon(options: Options): Instance
  export default autocannon
}
