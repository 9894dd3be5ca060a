// Linked into every sample (see the .csproj files): bad input ends a sample with one line on
// standard error, `error: ...`, and exit code 1, instead of "Unhandled exception" and a stack trace.
using System;
using System.IO;
using System.Linq;

static class SampleErrors
{
    /// <summary>
    /// Turns the library's documented exceptions for bad input (a malformed or truncated data file,
    /// a missing file or folder, a bad argument, a file-system error) into one line and exit code 1.
    /// Any other exception is a bug and still crashes with its stack trace.
    /// </summary>
    public static void ReportBadInputAsOneLine()
    {
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            var error = e.ExceptionObject as Exception;
            // Work on several threads (Predict on large inputs) reports its failures together.
            if (error is AggregateException aggregate && aggregate.Flatten().InnerExceptions is { Count: > 0 } inner && inner.All(IsBadInput))
                error = inner[0];
            if (IsBadInput(error))
            {
                Fail(error!.Message);
                Environment.Exit(1);
            }
        };
    }

    private static bool IsBadInput(Exception? e) =>
        e is InvalidDataException or IOException or UnauthorizedAccessException or ArgumentException;

    /// <summary>Prints <c>error: message</c> (on one line) to standard error and returns exit code 1.</summary>
    public static int Fail(string message)
    {
        Console.Error.WriteLine("error: " + message.ReplaceLineEndings(" "));
        return 1;
    }
}
