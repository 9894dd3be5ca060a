using System;
using System.IO;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>
/// The progress text with a fake clock (milliseconds). Expected strings are traced by hand from
/// tf.keras 2's Progbar (verbose=1) and Keras 3's (verbose=2), and number formats checked against Python.
/// </summary>
public class ProgressBarTests
{
    private long _now;

    private ProgressBar Bar(TextWriter output, int verbose, bool dynamic) => new(output, verbose, dynamic, () => _now, ticksPerSecond: 1000);

    [Fact]
    public void Verbose1_Dynamic_RedrawsInPlace_ThrottlesAndPads()
    {
        var output = new StringWriter();
        ProgressBar bar = Bar(output, verbose: 1, dynamic: true);
        _now = 0;
        bar.BeginEpoch(epoch: 1, epochs: 3, steps: 10);

        _now = 10_000;   // first step took 10 s: ETA 9 x 10 s = 90 s
        bar.Update(1, new Logs { ["loss"] = 0.5 });
        _now = 10_050;   // 50 ms later: not redrawn
        bar.Update(2, new Logs { ["loss"] = 0.45 });
        _now = 10_500;   // 0.25 s per step after the first: ETA 7 x 0.25 = 1.75 s
        bar.Update(3, new Logs { ["loss"] = 0.4 });
        _now = 12_000;   // (12 - 10) s / 9 steps = 222 ms per step; 12 s elapsed
        bar.Finish(10, new Logs { ["loss"] = 0.25, ["val_loss"] = 0.3 });

        string expected =
            "Epoch 2/3" + Environment.NewLine +
            "\r 1/10 [==>...........................] - ETA: 1:30 - loss: 0.5000" +
            "\r 3/10 [========>.....................] - ETA: 1s - loss: 0.4000  " +
            "\r10/10 [==============================] - 12s 222ms/step - loss: 0.2500 - val_loss: 0.3000" + Environment.NewLine;
        Assert.Equal(expected, output.ToString());
    }

    [Fact]
    public void Verbose1_Redirected_PrintsOnlyTheFinalLine()
    {
        var output = new StringWriter();
        ProgressBar bar = Bar(output, verbose: 1, dynamic: false);
        _now = 0;
        bar.BeginEpoch(epoch: 0, epochs: 1, steps: 1);
        _now = 700;
        bar.Update(1, new Logs { ["loss"] = 1.0 });
        _now = 800;   // one step: 0.8 s per step; 0.8 s elapsed prints as 1s
        bar.Finish(1, new Logs { ["loss"] = 0.00012345, ["accuracy"] = 1 });
        Assert.Equal("1/1 [==============================] - 1s 800ms/step - loss: 1.2345e-04 - accuracy: 1.0000" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void Verbose1_LongEtaUsesHoursAndMinutes()
    {
        var output = new StringWriter();
        ProgressBar bar = Bar(output, verbose: 1, dynamic: true);
        _now = 0;
        bar.BeginEpoch(0, 1, 10);
        _now = 500_000;   // 500 s for the first step: ETA 4500 s
        bar.Update(1, new Logs());
        Assert.Equal("\r 1/10 [==>...........................] - ETA: 1:15:00", output.ToString());
        bar.Abort();
        Assert.EndsWith(Environment.NewLine, output.ToString());
    }

    [Fact]
    public void Verbose2_PrintsKeras3sEpochLine()
    {
        var output = new StringWriter();
        ProgressBar bar = Bar(output, verbose: 2, dynamic: true);   // verbose 2 never redraws
        _now = 0;
        bar.BeginEpoch(0, 2, 10);
        _now = 1_500;
        bar.Update(1, new Logs { ["loss"] = 1 });
        _now = 2_000;
        bar.Update(2, new Logs { ["loss"] = 1 });
        _now = 3_300;   // (3.3 - 1.5) s / 9 = 200 ms per step
        bar.Finish(10, new Logs { ["loss"] = 0.25, ["val_loss"] = 0.0003, ["delta"] = -0.5 });
        // Keras 3's verbose=2 compares the value (not its magnitude) with 1e-3, hence -5.0000e-01.
        Assert.Equal("Epoch 1/2" + Environment.NewLine + "10/10 - 3s - 200ms/step - loss: 0.2500 - val_loss: 3.0000e-04 - delta: -5.0000e-01" + Environment.NewLine,
            output.ToString());
    }

    [Theory]
    // value, Python f"{v:.4f}", f"{v:.4e}", f"{v:.0f}", str(v): printed by CPython 3.
    [InlineData(0.03125, "0.0312", "3.1250e-02", "0", "0.03125")]
    [InlineData(0.12345, "0.1235", "1.2345e-01", "0", "0.12345")]
    [InlineData(2.5, "2.5000", "2.5000e+00", "2", "2.5")]
    [InlineData(3.5, "3.5000", "3.5000e+00", "4", "3.5")]
    [InlineData(-0.00001, "-0.0000", "-1.0000e-05", "-0", "-1e-05")]
    [InlineData(0.0001234567, "0.0001", "1.2346e-04", "0", "0.0001234567")]
    [InlineData(0.0, "0.0000", "0.0000e+00", "0", "0.0")]
    [InlineData(double.NaN, "nan", "nan", "nan", "nan")]
    [InlineData(double.PositiveInfinity, "inf", "inf", "inf", "inf")]
    [InlineData(0.000999996, "0.0010", "1.0000e-03", "0", "0.000999996")]
    [InlineData(123456.789, "123456.7890", "1.2346e+05", "123457", "123456.789")]
    [InlineData(9.99995e-06, "0.0000", "1.0000e-05", "0", "9.99995e-06")]
    [InlineData(0.29545, "0.2954", "2.9545e-01", "0", "0.29545")]
    [InlineData(1e16, "10000000000000000.0000", "1.0000e+16", "10000000000000000", "1e+16")]
    public void NumbersFormatAsPython(double value, string fixed4, string exp4, string fixed0, string repr)
    {
        Assert.Equal(fixed4, PyFormat.Fixed(value, 4));
        Assert.Equal(exp4, PyFormat.Exponent(value, 4));
        Assert.Equal(fixed0, PyFormat.Fixed(value, 0));
        Assert.Equal(repr, PyFormat.Repr(value));
    }

    [Theory]
    // Python's repr(v), printed by CPython 3.
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(123456789012345678.0, "1.2345678901234568e+17")]
    [InlineData(1.5e-5, "1.5e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00012, "0.00012")]
    [InlineData(100.0, "100.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e22, "1e+22")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(0.025000000372529, "0.025000000372529")]
    [InlineData(-123.456, "-123.456")]
    [InlineData(-0.0, "-0.0")]
    public void ReprMatchesPython(double value, string expected) => Assert.Equal(expected, PyFormat.Repr(value));

    [Fact]
    public void NegativeZeroKeepsItsSign()
    {
        Assert.Equal("-0.0000", PyFormat.Fixed(-0.0, 4));
        Assert.Equal("-0.0000e+00", PyFormat.Exponent(-0.0, 4));
    }
}
