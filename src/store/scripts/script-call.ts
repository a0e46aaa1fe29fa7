/** What one script call sends besides the script: its KEYS and its ARGV, as the script's header names them. */
export interface ScriptCall {
  keys: readonly string[];
  args: readonly string[];
}
