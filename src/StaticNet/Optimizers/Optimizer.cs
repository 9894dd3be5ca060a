using System;
using System.Globalization;
using System.IO;
using StaticNet.Serialization;

namespace StaticNet;

/// <summary>
/// Updates the parameter buffer from the gradient buffer, one vectorized sweep per step. An
/// optimizer keeps per-parameter state (momentum, moment estimates) for the one model it is
/// compiled with, as in Keras.
/// </summary>
public abstract class Optimizer
{
    // What a checkpoint records of each optimizer type: its code in the file, its name, and the
    // names of its hyperparameters in the order Hyperparameters() returns them (see docs/FORMATS.md).
    private static readonly (byte Code, string Type, string[] Names)[] s_formats =
    {
        (1, nameof(Sgd), new[] { "momentum", "nesterov" }),
        (2, nameof(Adam), new[] { "beta1", "beta2", "epsilon" }),
        (3, nameof(RmsProp), new[] { "rho", "momentum", "epsilon", "centered" }),
        (4, nameof(AdaGrad), new[] { "initialAccumulatorValue", "epsilon" }),
    };

    private float _learningRate;
    private float _stepLearningRate;

    private protected Optimizer(float learningRate)
    {
        // Checked here with the constructor's argument name (the setter's would say LearningRate).
        CheckLearningRate(learningRate, nameof(learningRate));
        _learningRate = learningRate;
    }

    private protected Optimizer(LearningRateSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule, "learningRate");
        Schedule = schedule;
    }

    /// <summary>
    /// The schedule the optimizer was created with (<c>new Adam(learningRate: new ExponentialDecay(...))</c>),
    /// or null for a fixed learning rate.
    /// </summary>
    public LearningRateSchedule? Schedule { get; }

    /// <summary>
    /// The step size of the next update. Settable between epochs (<see cref="LearningRateScheduler"/>,
    /// <see cref="ReduceLROnPlateau"/>) unless the optimizer follows a <see cref="Schedule"/>: then it is
    /// the schedule's rate at step <see cref="Iterations"/>, and setting it throws, as in Keras.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value set is not positive and finite.</exception>
    /// <exception cref="InvalidOperationException">The optimizer follows a <see cref="Schedule"/>.</exception>
    public float LearningRate
    {
        get => Schedule is null ? _learningRate : Schedule.Evaluate(Iterations);
        set
        {
            if (Schedule is not null)
                throw new InvalidOperationException(
                    $"This optimizer was created with a LearningRateSchedule ({Schedule}) as its learning rate, hence its learning rate is not settable. " +
                    "If you need the learning rate to be settable (LearningRateScheduler, ReduceLROnPlateau), create the optimizer with a number as its learning rate.");
            CheckLearningRate(value, nameof(LearningRate));
            _learningRate = value;
        }
    }

    /// <summary>The learning rate of the step being applied (fixed by <see cref="BeginStep"/>): what <see cref="Step"/> uses.</summary>
    private protected float StepLearningRate => _stepLearningRate;

    private static void CheckLearningRate(float value, string paramName)
    {
        if (!float.IsFinite(value) || value <= 0)
            throw new ArgumentOutOfRangeException(paramName, value, "The learning rate must be a positive finite number.");
    }

    /// <summary>Steps taken so far (Keras's <c>optimizer.iterations</c>).</summary>
    public long Iterations { get; private set; }

    /// <summary>The number of parameters this optimizer was built for, or 0 before <see cref="NeuralNetwork.Compile"/>.</summary>
    public int ParameterCount { get; private set; }

    /// <summary>Allocates the state for <paramref name="parameterCount"/> parameters and resets it.</summary>
    internal void Build(int parameterCount)
    {
        ParameterCount = parameterCount;
        Iterations = 0;
        BuildState(parameterCount);
    }

    /// <summary>Applies one step: parameters -= f(gradients).</summary>
    internal void Apply(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (parameters.Length != ParameterCount || gradients.Length != ParameterCount)
            throw new ArgumentException($"Expected {ParameterCount} parameters and gradients; got {parameters.Length} and {gradients.Length}.");
        Step(parameters, gradients, 0, BeginStep());
    }

    /// <summary>
    /// Fixes the step's learning rate (a schedule's rate at the iterations before this update, as
    /// Keras), counts the step and returns its number (from 1), for <see cref="ApplyRange"/>.
    /// </summary>
    internal long BeginStep()
    {
        _stepLearningRate = Schedule is null ? _learningRate : Schedule.Evaluate(Iterations);
        long step = ++Iterations;
        OnBeginStep(step);
        return step;
    }

    /// <summary>
    /// Computes what every <see cref="Step"/> call of step <paramref name="step"/> shares (Adam's
    /// bias-corrected rate), once per step rather than once per range: a step's sweep runs in chunks.
    /// </summary>
    private protected virtual void OnBeginStep(long step) { }

    /// <summary>
    /// Applies step <paramref name="step"/> to the parameters [offset, offset + length) only. Every
    /// update is elementwise, so ranges can run on different threads and give the bits of one
    /// <see cref="Apply"/>.
    /// </summary>
    internal void ApplyRange(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, int length, long step)
    {
        if (parameters.Length != ParameterCount || gradients.Length != ParameterCount || offset < 0 || length < 0 || offset > ParameterCount - length)
            throw new ArgumentException($"Expected a range within {ParameterCount} parameters; got [{offset}, {offset + length}) of {parameters.Length}.");
        Step(parameters.Slice(offset, length), gradients.Slice(offset, length), offset, step);
    }

    /// <summary>A reference to element <paramref name="offset"/> of a state array (a null reference for an unused, empty one).</summary>
    private protected static ref float StateAt(AlignedBuffer state, int offset) =>
        ref state.Length == 0 ? ref System.Runtime.CompilerServices.Unsafe.NullRef<float>()
            : ref System.Runtime.CompilerServices.Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(state.Span), offset);

    /// <summary>
    /// The state arrays, each parameter-sized (or empty) and updated element by element, so that training may keep a
    /// range of them in another layout as long as the parameters and gradients are in the same one.
    /// </summary>
    internal AlignedBuffer[] ElementwiseState() => StateArrays();

    /// <summary>State array <paramref name="index"/> (in <see cref="StateArrays"/>'s order), for tests.</summary>
    internal ReadOnlySpan<float> State(int index) => StateArrays()[index];

    /// <summary>Allocates and zeroes (or fills with the initial value) the state arrays.</summary>
    private protected abstract void BuildState(int parameterCount);

    /// <summary>
    /// One update of the parameters starting at <paramref name="offset"/> in the buffer (state arrays
    /// are indexed from there); <paramref name="step"/> counts from 1.
    /// </summary>
    private protected abstract void Step(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, long step);

    /// <summary>This optimizer's code in checkpoint files (1 Sgd, 2 Adam, 3 RmsProp, 4 AdaGrad).</summary>
    private protected abstract byte FormatCode { get; }

    /// <summary>The hyperparameters fixed at construction, in the order of <see cref="s_formats"/>; booleans as 0 or 1.</summary>
    private protected abstract float[] Hyperparameters();

    /// <summary>
    /// The per-parameter state arrays, in a fixed order (the live arrays, not copies). An array a
    /// configuration does not use (for example momentum when momentum is 0) is empty.
    /// </summary>
    private protected abstract AlignedBuffer[] StateArrays();

    /// <summary>For example <c>Adam(beta1: 0.9, beta2: 0.999, epsilon: 1E-07)</c>.</summary>
    internal string Describe() => Describe(FormatCode, Hyperparameters());

    private static string Describe(byte code, float[] values)
    {
        int index = Array.FindIndex(s_formats, f => f.Code == code);
        if (index < 0) return $"an unknown optimizer (code {code})";
        var (_, type, names) = s_formats[index];
        var parts = new string[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            string name = i < names.Length ? names[i] : "?";
            string value = name is "nesterov" or "centered" && values[i] is 0f or 1f
                ? (values[i] == 1f ? "true" : "false")
                : values[i].ToString(CultureInfo.InvariantCulture);
            parts[i] = $"{name}: {value}";
        }
        return $"{type}({string.Join(", ", parts)})";
    }

    /// <summary>
    /// Writes the optimizer section of a checkpoint: type code, hyperparameters, learning rate,
    /// iterations, parameter count and every state array (layout in docs/FORMATS.md).
    /// </summary>
    internal void WriteState(FormatWriter writer)
    {
        float[] hyper = Hyperparameters();
        writer.WriteByte(FormatCode);
        writer.WriteByte(checked((byte)hyper.Length));
        foreach (float h in hyper) writer.WriteSingle(h);
        writer.WriteSingle(LearningRate);
        WriteSchedule(writer, Schedule);
        writer.WriteInt64(Iterations);
        writer.WriteInt32(ParameterCount);
        AlignedBuffer[] arrays = StateArrays();
        writer.WriteByte(checked((byte)arrays.Length));
        foreach (AlignedBuffer array in arrays)
        {
            writer.WriteInt32(array.Length);
            writer.WriteSingles(array);
        }
    }

    /// <summary>
    /// Reads an optimizer section written by <see cref="WriteState"/> and checks it against this
    /// (built) optimizer: same type and hyperparameters, same parameter count and state sizes.
    /// Nothing changes until the returned action runs, so that a load that fails later (a bad
    /// checksum) leaves the optimizer as it was.
    /// </summary>
    /// <exception cref="InvalidDataException">The section does not match this optimizer or is corrupt.</exception>
    internal Action ReadState(FormatReader reader)
    {
        byte code = reader.ReadByte("optimizer type");
        int hyperCount = reader.ReadByte("optimizer hyperparameter count");
        if (Array.FindIndex(s_formats, f => f.Code == code) < 0)
            throw new InvalidDataException($"The checkpoint's optimizer has the unknown type code {code}; known codes are 1 (Sgd), 2 (Adam), 3 (RmsProp) and 4 (AdaGrad).");
        var hyper = new float[hyperCount];
        for (int i = 0; i < hyper.Length; i++) hyper[i] = reader.ReadSingle("optimizer hyperparameter");
        float[] mine = Hyperparameters();
        if (code != FormatCode || !hyper.AsSpan().SequenceEqual(mine))
            throw new InvalidDataException(
                $"The checkpoint was written by {Describe(code, hyper)}; this model is compiled with {Describe()}. Compile with the same optimizer settings to resume from it.");

        float learningRate = reader.ReadSingle("learning rate");
        // Version 1 files predate schedules: their optimizers had a fixed learning rate.
        (byte Code, double[] Values, string Name) schedule = reader.Version >= 2 ? ReadSchedule(reader) : (NoSchedule, Array.Empty<double>(), "");
        // A schedule may reach 0 (CosineDecay with alpha 0); a fixed rate is positive.
        if (!float.IsFinite(learningRate) || learningRate < 0 || (learningRate == 0 && schedule.Code == NoSchedule))
            throw new InvalidDataException($"The checkpoint's learning rate is {learningRate.ToString(CultureInfo.InvariantCulture)}; expected a positive finite number.");
        var mySchedule = (Code: Schedule?.FormatCode ?? NoSchedule, Values: Schedule?.Configuration() ?? Array.Empty<double>(), Name: CustomName(Schedule));
        if (schedule.Code != mySchedule.Code || !SameBits(schedule.Values, mySchedule.Values) || schedule.Name != mySchedule.Name)
            throw new InvalidDataException(
                $"The checkpoint's optimizer has the learning rate {DescribeSchedule(schedule.Code, schedule.Values, schedule.Name, learningRate)}; this model's has {DescribeSchedule(mySchedule.Code, mySchedule.Values, mySchedule.Name, LearningRate)}. " +
                "Compile with the same learning-rate schedule (or a number, if the checkpoint has none) to resume from it.");
        long iterations = reader.ReadInt64("optimizer iterations");
        if (iterations < 0)
            throw new InvalidDataException($"The checkpoint's optimizer iteration count is {iterations}; expected at least 0.");
        int parameterCount = reader.ReadInt32("optimizer parameter count");
        if (parameterCount != ParameterCount)
            throw new InvalidDataException($"The checkpoint's optimizer state is for {parameterCount} parameters; this model has {ParameterCount}.");

        AlignedBuffer[] live = StateArrays();
        int arrayCount = reader.ReadByte("optimizer state array count");
        if (arrayCount != live.Length)
            throw new InvalidDataException($"The checkpoint's {Describe()} state has {arrayCount} arrays; expected {live.Length}.");
        var loaded = new float[live.Length][];
        for (int a = 0; a < live.Length; a++)
        {
            int length = reader.ReadInt32("optimizer state array length");
            // Checked against the size this optimizer already allocated, before allocating anything.
            if (length != live[a].Length)
                throw new InvalidDataException($"The checkpoint's optimizer state array {a} holds {length} values; expected {live[a].Length}.");
            loaded[a] = new float[length];
            reader.ReadSingles(loaded[a], "optimizer state");
        }

        return () =>
        {
            AlignedBuffer[] target = StateArrays();
            for (int a = 0; a < target.Length; a++) loaded[a].AsSpan().CopyTo(target[a]);
            // A schedule's rate follows from the restored iteration count.
            if (Schedule is null) LearningRate = learningRate;
            Iterations = iterations;
        };
    }

    // ---------------------------------------------------------------- the schedule record (checkpoint version 2)

    private const byte NoSchedule = 0, CustomSchedule = 255;
    private const int MaxScheduleValues = 4096;

    /// <summary>Code, value count and values (f64) of the schedule, then for a schedule of your own its ToString (docs/FORMATS.md).</summary>
    private static void WriteSchedule(FormatWriter writer, LearningRateSchedule? schedule)
    {
        byte code = schedule?.FormatCode ?? NoSchedule;
        double[] values = schedule?.Configuration() ?? Array.Empty<double>();
        if (values.Length > MaxScheduleValues)
            throw new InvalidOperationException($"A checkpoint records at most {MaxScheduleValues} schedule settings; {schedule} has {values.Length}.");
        writer.WriteByte(code);
        writer.WriteUInt16((ushort)values.Length);
        foreach (double value in values) writer.WriteUInt64(BitConverter.DoubleToUInt64Bits(value));
        if (code == CustomSchedule) writer.WriteString(CustomName(schedule));
    }

    internal static (byte Code, double[] Values, string Name) ReadSchedule(FormatReader reader)
    {
        byte code = reader.ReadByte("learning-rate schedule code");
        if (code is not (NoSchedule or 1 or 2 or 3 or CustomSchedule))
            throw new InvalidDataException($"The checkpoint's learning-rate schedule has the unknown code {code} (the file is corrupt).");
        int count = reader.ReadUInt16("learning-rate schedule value count");
        if (count > MaxScheduleValues)
            throw new InvalidDataException($"The checkpoint's learning-rate schedule has {count} settings; at most {MaxScheduleValues} are allowed (the file is corrupt).");
        var values = new double[count];
        for (int i = 0; i < count; i++) values[i] = BitConverter.UInt64BitsToDouble(reader.ReadUInt64("learning-rate schedule values"));
        string name = code == CustomSchedule ? reader.ReadString("learning-rate schedule name") : "";
        return (code, values, name);
    }

    /// <summary>How a schedule of the user's own is recorded: its ToString, cut to what a file string holds.</summary>
    private static string CustomName(LearningRateSchedule? schedule)
    {
        if (schedule is null || schedule.FormatCode != CustomSchedule) return "";
        string name = schedule.ToString() ?? "";
        while (System.Text.Encoding.UTF8.GetByteCount(name) > NetworkFormat.MaxStringBytes) name = name[..(name.Length / 2)];
        return name;
    }

    private static bool SameBits(double[] a, double[] b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
            if (BitConverter.DoubleToUInt64Bits(a[i]) != BitConverter.DoubleToUInt64Bits(b[i])) return false;
        return true;
    }

    private static string DescribeSchedule(byte code, double[] values, string name, float learningRate)
    {
        string Values() => string.Join(", ", Array.ConvertAll(values, v => v.ToString("R", CultureInfo.InvariantCulture)));
        return code switch
        {
            NoSchedule => learningRate.ToString(CultureInfo.InvariantCulture) + " (no schedule)",
            1 => $"schedule ExponentialDecay [{Values()}]",
            2 => $"schedule CosineDecay [{Values()}]",
            3 => $"schedule PiecewiseConstantDecay [{Values()}]",
            _ => $"schedule {name}",
        };
    }

    private protected static void CheckRange(float value, float min, float max, string name, bool minExclusive = false, bool maxExclusive = false)
    {
        bool ok = float.IsFinite(value) && (minExclusive ? value > min : value >= min) && (maxExclusive ? value < max : value <= max);
        if (!ok)
            throw new ArgumentOutOfRangeException(name, value,
                $"Expected {name} in {(minExclusive ? "(" : "[")}{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}{(maxExclusive ? ")" : "]")}; got {value.ToString(CultureInfo.InvariantCulture)}.");
    }
}
