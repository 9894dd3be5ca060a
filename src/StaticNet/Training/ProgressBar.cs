using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;

namespace StaticNet;

/// <summary>
/// Prints <c>Fit</c>'s progress in Keras's layouts. <c>verbose: 1</c> is tf.keras 2's progress bar,
/// <c>1500/1500 [==============================] - 2s 1ms/step - loss: 0.2954 - val_loss: 0.1571</c>
/// (while running: <c>  37/1500 [&gt;.............................] - ETA: 5s - loss: 0.3000</c>), redrawn
/// in place with '\r' on an interactive console at most every <see cref="Interval"/>, and otherwise
/// printed once per epoch; <c>verbose: 2</c> is Keras 3's one line per epoch,
/// <c>1500/1500 - 2s - 1ms/step - loss: 0.2954 - val_loss: 0.1571</c>. Both are preceded by
/// <c>Epoch 3/20</c> when more than one epoch was requested. Times follow Keras's
/// <c>Progbar</c>: elapsed seconds since the epoch began, and the time per step excluding the
/// first step (which includes warm-up) when there is more than one.
/// </summary>
/// <remarks>
/// <para>Between redraws <see cref="Update"/> only reads the clock: no text is built and nothing is allocated.</para>
/// <para>With a width (the console window's), the live bar never takes more than width − 1
/// columns, so that '\r' always returns to its start instead of leaving wrapped lines behind, as
/// Keras 3's single updating line: the bar shrinks (down to <see cref="MinBarWidth"/>), then goes,
/// then the last log entries go, then the line is cut. The epoch's final line keeps every value
/// (it is printed once and may wrap), with the bar shrunk or dropped as needed.</para>
/// </remarks>
internal sealed class ProgressBar
{
    /// <summary>Characters inside the brackets (Keras's default width).</summary>
    public const int BarWidth = 30;

    /// <summary>The narrowest bar drawn; with less room the bar is left out.</summary>
    public const int MinBarWidth = 10;

    /// <summary>The shortest time between two redraws of the live bar.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _out;
    private readonly int _verbose;
    private readonly bool _dynamic;
    private readonly Func<long>? _clock;
    private readonly double _ticksPerSecond;
    private readonly long _intervalTicks;
    private readonly StringBuilder _text = new(192);
    private readonly StringBuilder _logsText = new(128);
    private readonly int _maxWidth;

    private int _target;
    private long _start;
    private long _afterFirstStep;
    private bool _hasFirstStep;
    private long _lastDraw;
    private bool _drawnThisEpoch;
    private bool _lineOpen;
    private int _previousWidth;

    /// <param name="output">Where to write.</param>
    /// <param name="verbose">1 (bar) or 2 (one line per epoch).</param>
    /// <param name="dynamic">Redraw the bar in place (an interactive console).</param>
    /// <param name="clock">A timestamp source for tests; <see cref="Stopwatch.GetTimestamp"/> when null.</param>
    /// <param name="ticksPerSecond">The clock's frequency; <see cref="Stopwatch.Frequency"/> when 0.</param>
    /// <param name="width">The terminal's width in columns (lines stay within width − 1), or 0 for no limit.</param>
    public ProgressBar(TextWriter output, int verbose, bool dynamic, Func<long>? clock = null, long ticksPerSecond = 0, int width = 0)
    {
        _maxWidth = width > 1 ? width - 1 : int.MaxValue;
        _out = output;
        _verbose = verbose;
        _dynamic = dynamic && verbose == 1;
        _clock = clock;
        long frequency = ticksPerSecond > 0 ? ticksPerSecond : Stopwatch.Frequency;
        _ticksPerSecond = frequency;
        _intervalTicks = (long)(Interval.TotalSeconds * frequency);
    }

    /// <summary>The console window's width, or 80 when it cannot be read.</summary>
    public static int ConsoleWidth()
    {
        try
        {
            int width = Console.WindowWidth;
            return width > 0 ? width : 80;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or InvalidOperationException)
        {
            return 80;
        }
    }

    private long Now() => _clock is null ? Stopwatch.GetTimestamp() : _clock();

    /// <summary>Starts an epoch of <paramref name="steps"/> batches (prints <c>Epoch n/N</c> when <paramref name="epochs"/> &gt; 1).</summary>
    public void BeginEpoch(int epoch, int epochs, int steps)
    {
        if (epochs > 1) _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Epoch {epoch + 1}/{epochs}"));
        _target = steps;
        _start = Now();
        _hasFirstStep = false;
        _drawnThisEpoch = false;
        _previousWidth = 0;
    }

    /// <summary>After batch <paramref name="current"/> (counting from 1), with the epoch's running logs.</summary>
    public void Update(int current, Logs logs)
    {
        if (current != 1 && !_dynamic) return;
        long now = Now();
        if (current == 1)
        {
            _afterFirstStep = now;
            _hasFirstStep = true;
        }
        if (!_dynamic || (_drawnThisEpoch && now - _lastDraw < _intervalTicks)) return;
        DrawBar(current, logs, now, finalize: false);
    }

    /// <summary>Ends the epoch after <paramref name="current"/> batches with the epoch's logs (validation included).</summary>
    public void Finish(int current, Logs logs)
    {
        long now = Now();
        if (_verbose == 1) DrawBar(current, logs, now, finalize: true);
        else DrawLine(current, logs, now);
    }

    /// <summary>Ends a live bar's line when training is interrupted.</summary>
    public void Abort()
    {
        if (_lineOpen) _out.WriteLine();
        _lineOpen = false;
    }

    private double Seconds(long ticks) => ticks / _ticksPerSecond;

    private double TimePerStep(int current, long now)
    {
        if (current <= 0) return 0;
        return _hasFirstStep && current > 1
            ? Seconds(now - _afterFirstStep) / (current - 1)
            : Seconds(now - _start) / current;
    }

    private void DrawBar(int current, Logs logs, long now, bool finalize)
    {
        StringBuilder sb = _text.Clear();
        if (_dynamic) sb.Append('\r');
        int lineStart = sb.Length;
        AppendCount(sb, current);
        int countEnd = sb.Length;

        double perStep = TimePerStep(current, now);
        if (finalize)
        {
            sb.Append(" - ").Append(PyFormat.Fixed(Seconds(now - _start), 0)).Append('s');
            AppendTime(sb, perStep);
        }
        else
        {
            double eta = perStep * (_target - current);
            sb.Append(" - ETA: ");
            if (eta > 3600)
                sb.Append(PyFormat.Truncated(Math.Floor(eta / 3600))).Append(':')
                  .Append(PyFormat.Truncated(Math.Floor(eta % 3600 / 60)).PadLeft(2, '0')).Append(':')
                  .Append(PyFormat.Truncated(eta % 60).PadLeft(2, '0'));
            else if (eta > 60)
                sb.Append(PyFormat.Truncated(Math.Floor(eta / 60))).Append(':').Append(PyFormat.Truncated(eta % 60).PadLeft(2, '0'));
            else
                sb.Append(PyFormat.Truncated(eta)).Append('s');
        }
        StringBuilder logText = _logsText.Clear();
        AppendLogs(logText, logs, absoluteThreshold: true);

        // Fit the line: full bar, else a narrower one, else none; a live line then loses log
        // entries from the end, and is cut as a last resort.
        int fixedWidth = sb.Length - lineStart + logText.Length;
        int barWidth = BarWidth;
        if (fixedWidth + BarWidth + 3 > _maxWidth)
            barWidth = _maxWidth - fixedWidth - 3 >= MinBarWidth ? _maxWidth - fixedWidth - 3 : 0;
        if (!finalize)
        {
            int over = fixedWidth + (barWidth > 0 ? barWidth + 3 : 0) - _maxWidth;
            while (over > 0 && logText.Length > 0)
            {
                int cut = LastEntryStart(logText);
                over -= logText.Length - cut;
                logText.Length = cut;
            }
        }
        if (barWidth > 0)
        {
            var bar = new StringBuilder(barWidth + 3);
            bar.Append(" [");
            int progress = (int)(barWidth * ((double)current / _target));
            if (progress > 0)
            {
                bar.Append('=', progress - 1);
                bar.Append(current < _target ? '>' : '=');
            }
            if (barWidth > progress) bar.Append('.', barWidth - progress);
            bar.Append(']');
            sb.Insert(countEnd, bar);
        }
        sb.Append(logText);
        if (!finalize && sb.Length - lineStart > _maxWidth) sb.Length = lineStart + _maxWidth;

        int width = sb.Length - lineStart;
        if (_dynamic && _previousWidth > width) sb.Append(' ', Math.Min(_previousWidth, _maxWidth) - width);
        _previousWidth = width;
        if (finalize) sb.AppendLine();
        _out.Write(sb);
        _lineOpen = !finalize;
        _drawnThisEpoch = true;
        _lastDraw = now;
    }

    /// <summary>Where the last <c> - key: value</c> entry starts.</summary>
    private static int LastEntryStart(StringBuilder logText)
    {
        for (int i = logText.Length - 3; i >= 0; i--)
            if (logText[i] == ' ' && logText[i + 1] == '-' && logText[i + 2] == ' ') return i;
        return 0;
    }

    private void DrawLine(int current, Logs logs, long now)
    {
        StringBuilder sb = _text.Clear();
        AppendCount(sb, current);
        sb.Append(" - ").Append(PyFormat.Fixed(Seconds(now - _start), 0)).Append("s -");
        AppendTime(sb, TimePerStep(current, now));
        // Keras 3's verbose=2 line compares the value itself (not its magnitude) with 1e-3.
        AppendLogs(sb, logs, absoluteThreshold: false);
        sb.AppendLine();
        _out.Write(sb);
    }

    private void AppendCount(StringBuilder sb, int current)
    {
        string target = _target.ToString(CultureInfo.InvariantCulture);
        sb.Append(current.ToString(CultureInfo.InvariantCulture).PadLeft(target.Length)).Append('/').Append(target);
    }

    /// <summary>Keras's <c>_format_time</c>: <c> 2s/step</c>, <c> 15ms/step</c> or <c> 868us/step</c>.</summary>
    private static void AppendTime(StringBuilder sb, double perStep)
    {
        if (perStep >= 1 || perStep == 0) sb.Append(' ').Append(PyFormat.Fixed(perStep, 0)).Append("s/step");
        else if (perStep >= 1e-3) sb.Append(' ').Append(PyFormat.Fixed(perStep * 1000.0, 0)).Append("ms/step");
        else sb.Append(' ').Append(PyFormat.Fixed(perStep * 1000000.0, 0)).Append("us/step");
    }

    private static void AppendLogs(StringBuilder sb, Logs logs, bool absoluteThreshold)
    {
        for (int i = 0; i < logs.Count; i++)
        {
            double v = logs.Values[i];
            sb.Append(" - ").Append(logs.Keys[i]).Append(": ")
              .Append((absoluteThreshold ? Math.Abs(v) : v) > 1e-3 ? PyFormat.Fixed(v, 4) : PyFormat.Exponent(v, 4));
        }
    }

    /// <summary>A value as Keras's progress bar shows it: 4 decimals, or 4 significant decimals in exponent form when |v| ≤ 1e-3.</summary>
    internal static string FormatValue(double v) => Math.Abs(v) > 1e-3 ? PyFormat.Fixed(v, 4) : PyFormat.Exponent(v, 4);
}
