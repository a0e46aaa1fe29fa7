/** What each benchmarked system hands the child process that hosts it. */
export interface RunningServer {
  port: number;
  close(): Promise<void>;
}
