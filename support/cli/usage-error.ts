/** An error in what the user asked for: printed as one line, exit code 2, never a stack trace. */
export class UsageError extends Error {}

/**
 * node's parseArgs error as one line: "--days -3" is read as a flag after a flag that lacks its
 * value, so a negative number is named as one.
 */
export function optionProblem(err: Error): string {
  const ambiguous = /^Option '([^']+)' argument is ambiguous/.exec(err.message);
  if (ambiguous)
    return (
      `${ambiguous[1]!.replace(/^-\w, /, '')} needs a value of 0 or more; ` +
      "what follows it starts with '-' (a negative number or another flag)"
    );
  return err.message.replace(/\. To specify.*$/s, '').replace(/\s*\n\s*/g, ' ');
}
