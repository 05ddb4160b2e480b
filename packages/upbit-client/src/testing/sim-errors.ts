/** An Upbit-shaped error the simulator answers with: `{"error":{"name","message"}}` and an HTTP status. */
export class SimulatorHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorName: string | number,
    message: string,
  ) {
    super(message)
  }
}

export const reject = (status: number, name: string | number, message: string): never => {
  throw new SimulatorHttpError(status, name, message)
}
