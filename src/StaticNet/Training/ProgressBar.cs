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
/// <remarks>Between redraws <see cref="Update"/> only reads the clock: no text is built and nothing is allocated.</remarks>
internal sealed class ProgressBar
{
    /// <summary>Characters inside the brackets (Keras's default width).</summary>
    public const int BarWidth = 30;

    /// <summary>The shortest time between two redraws of the live bar.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _out;
    private readonly int _verbose;
    private readonly bool _dynamic;
    private readonly Func<long>? _clock;
    private readonly double _ticksPerSecond;
    private readonly long _intervalTicks;
    private readonly StringBuilder _text = new(192);

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
    public ProgressBar(TextWriter output, int verbose, bool dynamic, Func<long>? clock = null, long ticksPerSecond = 0)
    {
        _out = output;
        _verbose = verbose;
        _dynamic = dynamic && verbose == 1;
        _clock = clock;
        long frequency = ticksPerSecond > 0 ? ticksPerSecond : Stopwatch.Frequency;
        _ticksPerSecond = frequency;
        _intervalTicks = (long)(Interval.TotalSeconds * frequency);
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
        sb.Append(" [");
        int progress = (int)(BarWidth * ((double)current / _target));
        if (progress > 0)
        {
            sb.Append('=', progress - 1);
            sb.Append(current < _target ? '>' : '=');
        }
        if (BarWidth > progress) sb.Append('.', BarWidth - progress);
        sb.Append(']');

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
        AppendLogs(sb, logs, absoluteThreshold: true);

        int width = sb.Length - lineStart;
        if (_dynamic && _previousWidth > width) sb.Append(' ', _previousWidth - width);
        _previousWidth = width;
        if (finalize) sb.AppendLine();
        _out.Write(sb);
        _lineOpen = !finalize;
        _drawnThisEpoch = true;
        _lastDraw = now;
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
