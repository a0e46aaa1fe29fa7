/** A flag that must be a whole number above zero, with an error naming the flag. */
export function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number above zero; got "${text}".`);
  return value;
}
