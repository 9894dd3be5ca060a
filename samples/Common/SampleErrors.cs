// Linked into every sample (see the .csproj files): bad input ends a sample with one line on
// standard error, `error: ...`, and exit code 1, instead of "Unhandled exception" and a stack trace.
using System;
using System.IO;

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
            if (error is AggregateException { InnerExceptions.Count: 1 } aggregate) error = aggregate.InnerExceptions[0];
            if (error is InvalidDataException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                Fail(error.Message);
                Environment.Exit(1);
            }
        };
    }

    /// <summary>Prints <c>error: message</c> (on one line) to standard error and returns exit code 1.</summary>
    public static int Fail(string message)
    {
        Console.Error.WriteLine("error: " + message.ReplaceLineEndings(" "));
        return 1;
    }
}
