using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet;

/// <summary>
/// The base of every generated network: it owns the parameter buffer and runs the three Keras
/// steps (<see cref="Compile"/>, <c>Fit</c>, <c>Evaluate</c>/<c>Predict</c>). The layer
/// arithmetic is not here: the generated subclass implements <see cref="ForwardBatch"/>,
/// <see cref="BackwardBatch"/> and the one-sample <see cref="Predict(ReadOnlySpan{float}, Span{float})"/>
/// with every size fixed at compile time.
/// </summary>
/// <remarks>
/// Training mutates the model and is not thread-safe: while <c>Fit</c> runs, another thread that reads
/// the parameters (or predicts) may get an <see cref="InvalidOperationException"/> (the first layer's
/// weights may be in the training steps' layout then). Once trained, the prediction methods may
/// be called from many threads at once: they only read the parameters and keep their scratch
/// memory on the stack or in <see cref="ArrayPool{T}.Shared"/>.
/// </remarks>
public abstract partial class NeuralNetwork
{
    // 64-byte aligned (see AlignedBuffer): the kernels stream these with 512-bit loads.
    private readonly AlignedBuffer _parameters;
    private AlignedBuffer _gradients;
    private Metric[] _metrics = Array.Empty<Metric>();
    private Rng _shuffleRng;

    // Training workspace, sized for the largest batch seen and then reused: no allocation per step.
    private int _workspaceBatch;
    private AlignedBuffer _batchInputs;
    private float[] _batchTargets = Array.Empty<float>();
    private AlignedBuffer _activations;
    private float[] _logits = Array.Empty<float>();
    private float[] _delta = Array.Empty<float>();
    private float[] _scratch = Array.Empty<float>();

    /// <summary>Creates the network with Glorot-uniform weights and zero biases drawn from <paramref name="seed"/>.</summary>
    protected NeuralNetwork(NetworkShape shape, int seed)
    {
        ArgumentNullException.ThrowIfNull(shape);
        NetworkShape = shape;
        Seed = seed;
        _parameters = new AlignedBuffer(shape.ParameterCount);
        var rng = new Rng((ulong)(uint)seed);
        foreach (LayerInfo layer in shape.Layers)
        {
            Span<float> values = _parameters.AsSpan(layer.ParameterOffset, layer.ParameterCount);
            if (layer.Kind == LayerKind.BatchNormalization)
            {
                // Keras's defaults: gamma 1, beta 0, moving mean 0, moving variance 1.
                int channels = layer.BiasCount;
                values.Slice(0, channels).Fill(1f);
                values.Slice(3 * channels, channels).Fill(1f);
                continue;
            }
            if (layer.WeightCount == 0) continue;
            // Keras's glorot_uniform: U(-limit, limit) with limit = sqrt(6 / (fan_in + fan_out)); biases 0.
            var (fanIn, fanOut) = layer.Geometry.Fans;
            float limit = MathF.Sqrt(6f / (fanIn + fanOut));
            Span<float> w = values.Slice(0, layer.WeightCount);
            for (int i = 0; i < w.Length; i++) w[i] = (rng.NextSingle() * 2 - 1) * limit;
        }
        _shuffleRng = new Rng(((ulong)(uint)seed << 32) ^ 0x5DEECE66DUL);
    }

    /// <summary>A seed for networks created without one (recorded in <see cref="Seed"/> so a run can be repeated).</summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // called by generated code
    protected static int RandomSeed() => Random.Shared.Next();

    /// <summary>The layer sizes, activations and parameter layout.</summary>
    public NetworkShape NetworkShape { get; }

    /// <summary>The seed the weights and the shuffling were drawn from.</summary>
    public int Seed { get; }

    /// <summary>All weights and biases in one buffer; see <see cref="NetworkShape"/> for the layout.</summary>
    /// <remarks>
    /// A live, writable view. The model cannot see writes through it, so once it has been handed out, one-sample
    /// prediction stops using the faster packed copy of the large Dense layers' weights it otherwise keeps (the same
    /// results, about a quarter slower for 784-128-64-10). To read or replace the parameters without that, use
    /// <see cref="CopyParametersTo"/> and <see cref="SetParameters"/>.
    /// </remarks>
    public Span<float> Parameters
    {
        get
        {
            Span<float> parameters = DocumentedParameters;
            _parametersExposed = true;   // for good: no version can say when writes through it happen
            return parameters;
        }
    }

    /// <summary>Copies all weights and biases (<see cref="Parameters"/>' layout) into <paramref name="destination"/>, which holds at least <see cref="NetworkShape.ParameterCount"/> floats.</summary>
    public void CopyParametersTo(Span<float> destination)
    {
        if (destination.Length < NetworkShape.ParameterCount)
            throw new ArgumentException($"The destination holds {destination.Length} floats; the network has {NetworkShape.ParameterCount} parameters.", nameof(destination));
        ReadableParameters.CopyTo(destination);
    }

    /// <summary>Replaces all weights and biases with <paramref name="values"/>, exactly <see cref="NetworkShape.ParameterCount"/> floats in <see cref="Parameters"/>' layout.</summary>
    public void SetParameters(ReadOnlySpan<float> values)
    {
        if (values.Length != NetworkShape.ParameterCount)
            throw new ArgumentException($"Expected {NetworkShape.ParameterCount} parameters; got {values.Length}.", nameof(values));
        values.CopyTo(WritableParameters);
    }

    /// <summary>The gradients of the last training step (empty before <see cref="Compile"/>).</summary>
    public ReadOnlySpan<float> Gradients
    {
        get
        {
            EnsureDocumentedLayout();
            return _gradients;
        }
    }

    /// <summary>The compiled loss, or null before <see cref="Compile"/>.</summary>
    public Loss? Loss { get; private set; }

    /// <summary>The compiled optimizer, or null before <see cref="Compile"/>.</summary>
    public Optimizer? Optimizer { get; private set; }

    /// <summary>The metrics reported besides the loss, as resolved by <see cref="Compile"/>.</summary>
    public IReadOnlyList<Metric> Metrics => _metrics;

    /// <summary>
    /// The most threads training and <see cref="Predict(float[,])"/> may use: -1 (the default) for
    /// every core, 1 for the calling thread only. Results are the same bits either way: the work is
    /// split by a rule that depends only on the network and the batch, never on the thread count.
    /// With two or more allowed, <c>Fit</c> times its steps on two threads and on one now and then
    /// and runs the next ones on whichever is faster on this machine at the time.
    /// </summary>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        set
        {
            if (value == 0 || value < -1)
                throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), value, "Expected -1 (every core) or a positive number of threads.");
            _maxDegreeOfParallelism = value;
        }
    }

    private int _maxDegreeOfParallelism = -1;

    /// <summary>The number of threads <see cref="MaxDegreeOfParallelism"/> allows on this machine.</summary>
    private protected int ThreadBudget => _maxDegreeOfParallelism == -1 ? Environment.ProcessorCount : Math.Min(_maxDegreeOfParallelism, Environment.ProcessorCount);

    /// <summary>Where <c>Fit</c> writes its progress; the console when null.</summary>
    public TextWriter? ProgressOutput { get; set; }

    // ---------------------------------------------------------------- generated members

    /// <summary>Predicts one sample: <paramref name="input"/> holds the input size, <paramref name="output"/> the output size. Allocates nothing.</summary>
    public abstract void Predict(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>
    /// Forward pass for <paramref name="count"/> row-major samples. Writes every dense layer's
    /// outputs to <paramref name="activations"/> (layer by layer, each block count x size, see
    /// <see cref="NetworkShape.ActivationOffset"/>; the output layer last) and the output layer's
    /// weighted sums to <paramref name="outputLogits"/>. A non-zero <paramref name="dropoutKey"/>
    /// means training: dropout layers draw their masks from it.
    /// </summary>
    protected abstract void ForwardBatch(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int count,
        Span<float> activations, Span<float> outputLogits, ulong dropoutKey = 0);

    /// <summary>
    /// Backward pass: from <paramref name="outputDelta"/> (dLoss/dz of the output layer, count x
    /// outputs) and the activations of <see cref="ForwardBatch"/>, overwrites
    /// <paramref name="gradients"/> with dLoss/dparameters. <paramref name="scratch"/> holds
    /// 2 x count x the widest hidden layer. <paramref name="dropoutKey"/> is the forward pass's.
    /// </summary>
    protected abstract void BackwardBatch(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int count,
        ReadOnlySpan<float> activations, ReadOnlySpan<float> outputDelta, Span<float> scratch, Span<float> gradients, ulong dropoutKey = 0);

    /// <summary>
    /// Row-split training (networks whose first layer is a hidden Dense layer; generated for those): the first
    /// layer's outputs [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) for <paramref name="count"/> samples,
    /// written to those columns of <paramref name="outputs"/> (count x the layer's units), after the activation.
    /// </summary>
    protected virtual void ForwardFirstLayerRows(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int count, Span<float> outputs, int rowStart, int rowEnd) =>
        throw NoRowSplit();

    /// <summary>
    /// Row-split training: <see cref="ForwardBatch"/> from the second layer on, the first layer's outputs already in
    /// <paramref name="activations"/>.
    /// </summary>
    protected virtual void ForwardBatchAfterFirstLayer(ReadOnlySpan<float> parameters, int count, Span<float> activations, Span<float> outputLogits, ulong dropoutKey) =>
        throw NoRowSplit();

    /// <summary>
    /// Row-split training: <see cref="BackwardBatch"/> down to the second layer: the gradients of every layer after the
    /// first, and dL/dz of the first layer (its activation's derivative applied) in <paramref name="firstLayerDelta"/>
    /// (count x its units); the first layer's own gradients are left to <see cref="FirstLayerGradientRows"/>.
    /// </summary>
    protected virtual void BackwardBatchToFirstLayer(ReadOnlySpan<float> parameters, int count, ReadOnlySpan<float> activations, ReadOnlySpan<float> outputDelta,
        Span<float> scratch, Span<float> gradients, Span<float> firstLayerDelta, ulong dropoutKey) =>
        throw NoRowSplit();

    /// <summary>
    /// Row-split training: the first layer's weight and bias gradients of the outputs [<paramref name="rowStart"/>,
    /// <paramref name="rowEnd"/>), summed over <paramref name="count"/> samples of <paramref name="firstLayerDelta"/>
    /// and <paramref name="inputs"/>, written to their places in <paramref name="gradients"/>.
    /// </summary>
    protected virtual void FirstLayerGradientRows(ReadOnlySpan<float> firstLayerDelta, ReadOnlySpan<float> inputs, int count, Span<float> gradients, int rowStart, int rowEnd) =>
        throw NoRowSplit();

    private NotSupportedException NoRowSplit() =>
        new($"{GetType().Name} has no row-split training methods: they are generated for networks whose first layer is a hidden Dense layer.");

    /// <summary>
    /// After a training step of <paramref name="count"/> samples: moves BatchNormalization layers' moving mean
    /// and variance towards the batch's, from the inputs and the training values of that step's
    /// <see cref="ForwardBatch"/> (generated for networks with BatchNormalization; nothing otherwise).
    /// </summary>
    protected virtual void UpdateMovingStatistics(Span<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> activations, int count)
    {
    }

    /// <summary>
    /// Adds the L2 penalty's gradient (2·factor·w) to each regularized layer's weight gradients and
    /// returns the penalty, factor·Σw² over those layers (0 without L2; Keras adds it to the loss).
    /// Pass an empty span for the penalty alone.
    /// </summary>
    private protected double ApplyL2(Span<float> gradients)
    {
        if (!NetworkShape.HasL2) return 0;
        double penalty = 0;
        foreach (LayerInfo layer in NetworkShape.Layers)
        {
            float factor = layer.L2;
            if (factor == 0) continue;
            int offset = layer.ParameterOffset, length = layer.WeightCount;
            ReadOnlySpan<float> w = _parameters.AsSpan(offset, length);
            penalty += factor * (double)System.Numerics.Tensors.TensorPrimitives.Dot(w, w);
            if (!gradients.IsEmpty)
            {
                Span<float> g = gradients.Slice(offset, length);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(w, 2 * factor, g, g);
            }
        }
        return penalty;
    }

    /// <summary>The number of rows of <paramref name="width"/> values in a flat buffer; throws unless it holds whole rows.</summary>
    private protected static int WholeSamples(int length, int width, string argument)
    {
        if (length % width != 0)
        {
            int lower = length / width * width;
            throw new ArgumentException($"Expected a multiple of {width} values in '{argument}' (whole samples, such as {lower} or {lower + width}); got {length}.", argument);
        }
        return length / width;
    }

    /// <summary>Throws the library's standard message when a span has the wrong length.</summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // called by generated code
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static void CheckLength(int actual, int expected, string argument)
    {
        if (actual != expected) ThrowWrongLength(actual, expected, argument);
    }

    // ---------------------------------------------------------------- step 2: compile

    /// <summary>
    /// Chooses the loss, the optimizer and the metrics, and resets the optimizer's state
    /// (Keras's <c>model.compile</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The loss does not fit the output layer, or a metric does not fit the loss.</exception>
    public void Compile(Loss loss, Optimizer optimizer, params Metric[] metrics)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(metrics);
        loss.CheckCompatible(NetworkShape);
        var resolved = new Metric[metrics.Length];
        for (int i = 0; i < metrics.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(metrics[i], nameof(metrics));
            resolved[i] = metrics[i].Resolve(loss, NetworkShape);
            if (resolved[i].TargetWidth(NetworkShape.OutputSize) != loss.TargetWidth(NetworkShape.OutputSize))
                throw new ArgumentException($"Metric '{resolved[i].Name}' reads {resolved[i].TargetWidth(NetworkShape.OutputSize)} target value(s) per sample but {loss.Name} reads {loss.TargetWidth(NetworkShape.OutputSize)}.", nameof(metrics));
        }
        // A Compile from a callback during Fit: the old optimizer's state goes back to its layout with the weights first.
        EnsureDocumentedLayout();
        optimizer.Build(NetworkShape.ParameterCount);
        _optimizerState = optimizer.ElementwiseState();
        Loss = loss;
        Optimizer = optimizer;
        _metrics = resolved;
        if (_gradients.Length != NetworkShape.ParameterCount) _gradients = new AlignedBuffer(NetworkShape.ParameterCount);
    }

    /// <summary>Multiply-adds below which a second thread for prediction or evaluation costs more than it saves.</summary>
    private const long MinWorkPerThread = 4_000_000;

    /// <summary>Predicts every row of <paramref name="x"/>; returns samples x output size.</summary>
    /// <remarks>
    /// Large inputs are split into slices predicted on all cores. The slices start on
    /// multiples of <see cref="PredictBatch"/>'s chunk, so every sample goes through the same
    /// arithmetic as in one <see cref="PredictBatch"/> call: the result is bit-identical to it
    /// whatever the core count. (The one-sample <c>Predict</c> sums in another order and may differ
    /// in the last bit.)
    /// </remarks>
    public float[,] Predict(float[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckLength(x.GetLength(1), NetworkShape.InputSize, "x (columns)");
        int samples = x.GetLength(0);
        var result = new float[samples, NetworkShape.OutputSize];
        long work = samples * NetworkShape.MultiplyAddsPerSample;
        int threads = (int)Math.Clamp(work / MinWorkPerThread, 1, ThreadBudget);
        // One transposition of the first layer's weights for every thread, when the inputs are mostly zeros.
        ArraySegment<float> sparseWeights = RentSparseWeights(DataConversion.Flat(x), samples);
        try
        {
            if (threads == 1)
            {
                PredictRows(DataConversion.Flat(x), DataConversion.Flat(result), sparseWeights);
                return result;
            }
            int inputSize = NetworkShape.InputSize, outputSize = NetworkShape.OutputSize;
            // Slices of four chunks handed out by a shared counter rather than one fixed range per
            // thread: where cores are shared, a thread that gets less of its core takes fewer slices.
            const int Slice = 4 * PredictChunk;
            int slices = (samples + Slice - 1) / Slice, next = -1;
            System.Threading.Tasks.Parallel.For(0, threads, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
            {
                int k = System.Threading.Interlocked.Increment(ref next);
                while (k < slices)
                {
                    int following = ClaimAhead(ref next, slices, threads);
                    int start = k * Slice, count = Math.Min(Slice, samples - start);
                    int afterStart = following * Slice, afterCount = following >= 0 && following < slices ? Math.Min(PredictChunk, samples - afterStart) : 0;
                    PredictRows(DataConversion.Flat(x).Slice(start * inputSize, count * inputSize),
                        DataConversion.Flat(result).Slice(start * outputSize, count * outputSize), sparseWeights,
                        afterCount > 0 ? DataConversion.Flat(x).Slice(afterStart * inputSize, afterCount * inputSize) : default);
                    k = following >= 0 ? following : System.Threading.Interlocked.Increment(ref next);
                }
            });
            return result;
        }
        finally
        {
            ReturnAligned(sparseWeights);
        }
    }

    /// <summary>
    /// For work handed out by a shared counter (<paramref name="next"/>, the last index taken, of <paramref name="count"/>):
    /// the next index claimed now by a thread starting one, so that it can fetch that one's rows into cache ahead; or -1 (the
    /// thread takes its next index when it gets there) while fewer than <paramref name="threads"/> more remain after it, so
    /// that claiming ahead never leaves another thread without work (two slices on two threads: one each).
    /// </summary>
    internal static int ClaimAhead(ref int next, int count, int threads) =>
        System.Threading.Volatile.Read(ref next) + threads < count ? System.Threading.Interlocked.Increment(ref next) : -1;

    /// <summary>Samples per forward pass in <see cref="PredictBatch"/>: small enough for the activations to stay in cache.</summary>
    private const int PredictChunk = 64;

    /// <summary>
    /// Predicts many samples stored row-major in <paramref name="inputs"/> (a multiple of the
    /// input size) into <paramref name="outputs"/> (the same number of rows of the output size).
    /// Allocates nothing once the shared array pool is warm.
    /// </summary>
    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        int samples = WholeSamples(inputs.Length, NetworkShape.InputSize, nameof(inputs));
        CheckLength(outputs.Length, samples * NetworkShape.OutputSize, nameof(outputs));
        ArraySegment<float> sparseWeights = samples == 0 ? default : RentSparseWeights(inputs, samples);
        try
        {
            PredictRows(inputs, outputs, sparseWeights);
        }
        finally
        {
            ReturnAligned(sparseWeights);
        }
    }

    /// <summary>
    /// <see cref="PredictBatch"/> in chunks, with the first layer's weights already transposed for mostly-zero inputs
    /// (<see cref="RentSparseWeights"/>) or none: each chunk's first layer then runs sparse when its inputs are sparse
    /// enough (the same bits either way), and fetches the next chunk's rows into cache meanwhile: the rows of
    /// <paramref name="after"/> for the last chunk (a caller's next rows, or none).
    /// </summary>
    private void PredictRows(ReadOnlySpan<float> inputs, Span<float> outputs, ArraySegment<float> sparseWeights, ReadOnlySpan<float> after = default)
    {
        int samples = inputs.Length / NetworkShape.InputSize;
        int chunk = Math.Min(PredictChunk, Math.Max(samples, 1));
        float[] activations = ArrayPool<float>.Shared.Rent(chunk * NetworkShape.ActivationsPerSample);
        float[] logits = ArrayPool<float>.Shared.Rent(chunk * NetworkShape.OutputSize);
        SparseBuffers sparse = sparseWeights.Array is null ? default : new SparseBuffers(NetworkShape.InputSize, NetworkShape.Layers[0].Units, chunk);
        try
        {
            for (int start = 0, count; start < samples; start += count)
            {
                count = Math.Min(chunk, samples - start);
                Span<float> a = activations.AsSpan(0, count * NetworkShape.ActivationsPerSample);
                ReadOnlySpan<float> x = inputs.Slice(start * NetworkShape.InputSize, count * NetworkShape.InputSize);
                int next = Math.Min(chunk, samples - start - count);
                ReadOnlySpan<float> ahead = next > 0 ? inputs.Slice((start + count) * NetworkShape.InputSize, next * NetworkShape.InputSize) : after;
                ForwardRows(sparseWeights, x, count, a, logits, sparse, ahead);
                a.Slice(a.Length - count * NetworkShape.OutputSize).CopyTo(outputs.Slice(start * NetworkShape.OutputSize));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(activations);
            ArrayPool<float>.Shared.Return(logits);
            if (sparseWeights.Array is not null) sparse.Dispose();
        }
    }

    // ---------------------------------------------------------------- helpers

    private Loss RequireCompiled() =>
        Loss ?? throw new InvalidOperationException("The model is not compiled: call Compile(loss, optimizer) before Fit, Evaluate or ComputeGradients.");

    /// <summary>Validates a data set once, at the boundary, so that the hot loops check nothing.</summary>
    /// <remarks><paramref name="inputs"/>: the array behind <paramref name="x"/>, if any, so that a second core can scan half of it.</remarks>
    private void CheckData(ReadOnlySpan<float> x, int samples, int features, ReadOnlySpan<float> y, int targetRows, int targetWidth, string xName, string yName,
        object? inputs = null)
    {
        Loss loss = Loss!;
        if (samples < 1) throw new ArgumentException($"Expected at least one sample in '{xName}'; got 0.", xName);
        CheckLength(features, NetworkShape.InputSize, xName + " (values per sample)");
        CheckLength(x.Length, samples * features, xName);
        int expectedWidth = loss.TargetWidth(NetworkShape.OutputSize);
        if (targetWidth != expectedWidth)
            throw new ArgumentException(expectedWidth == 1
                ? $"{loss.Name} expects one class label per sample in '{yName}'; got {targetWidth} values per sample."
                : $"{loss.Name} expects {expectedWidth} target values per sample in '{yName}' (the output size); got {targetWidth}.", yName);
        if (targetRows != samples)
            throw new ArgumentException($"Expected {samples} targets in '{yName}' (one per sample of '{xName}'); got {targetRows}.", yName);
        CheckLength(y.Length, samples * targetWidth, yName);
        int bad = inputs is not null && ThreadBudget > 1 && x.Length >= MinParallelScan ? IndexOfNonFiniteOnTwoThreads(x, inputs) : IndexOfNonFinite(x);
        if (bad >= 0)
            throw new ArgumentException($"'{xName}' holds {x[bad].ToString(CultureInfo.InvariantCulture)} at sample {bad / features}, value {bad % features}; inputs must be finite.", xName);
        bad = IndexOfNonFinite(y);
        if (bad >= 0)
            throw new ArgumentException($"'{yName}' holds {y[bad].ToString(CultureInfo.InvariantCulture)} at sample {bad / targetWidth}; targets must be finite.", yName);
        if (loss is SparseCategoricalCrossentropy)
            for (int i = 0; i < samples; i++)
                if (y[i] < 0 || y[i] >= NetworkShape.OutputSize || y[i] != MathF.Floor(y[i]))
                    throw new ArgumentException($"Expected class labels in [0, {NetworkShape.OutputSize - 1}] in '{yName}'; sample {i} has {y[i].ToString(CultureInfo.InvariantCulture)}.", yName);
        BinaryTargets.Check(loss, _metrics, NetworkShape, y, targetWidth, yName);
    }

    /// <summary>Values from which the scan of the inputs takes two cores (16 MB: reading it takes a few milliseconds).</summary>
    private const int MinParallelScan = 1 << 22;

    /// <summary>
    /// <see cref="IndexOfNonFinite(ReadOnlySpan{float})"/> with the second half scanned on a pool thread: one core reads about
    /// 8-10 GB/s from memory here, so the 150 MB of 48,000 digits took 15-19 ms on one and 8-10 ms on two, on every Fit call.
    /// </summary>
    internal static int IndexOfNonFiniteOnTwoThreads(ReadOnlySpan<float> x, object inputs)
    {
        if (DataConversion.Span(inputs).Length != x.Length) throw new InvalidOperationException("The inputs' array does not hold the inputs.");
        int half = x.Length / 2;
        System.Threading.Tasks.Task<int> second = System.Threading.Tasks.Task.Run(() => IndexOfNonFinite(DataConversion.Span(inputs).Slice(half)));
        int first = IndexOfNonFinite(x.Slice(0, half));
        int inSecond = second.GetAwaiter().GetResult();
        return first >= 0 ? first : inSecond >= 0 ? half + inSecond : -1;
    }

    /// <summary>The index of the first infinity or NaN, or -1. Fit scans all its data on every call, so whole vectors first.</summary>
    internal static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Infinity and NaN are the floats whose exponent bits are all ones.
            ReadOnlySpan<int> bits = MemoryMarshal.Cast<float, int>(values);
            ref int first = ref MemoryMarshal.GetReference(bits);
            Vector256<int> exponent = Vector256.Create(0x7F800000);
            for (; i <= bits.Length - 4 * Vector256<int>.Count; i += 4 * Vector256<int>.Count)
            {
                Vector256<int> any = Vector256.Equals(Vector256.LoadUnsafe(ref first, (nuint)i) & exponent, exponent)
                    | Vector256.Equals(Vector256.LoadUnsafe(ref first, (nuint)(i + 8)) & exponent, exponent)
                    | Vector256.Equals(Vector256.LoadUnsafe(ref first, (nuint)(i + 16)) & exponent, exponent)
                    | Vector256.Equals(Vector256.LoadUnsafe(ref first, (nuint)(i + 24)) & exponent, exponent);
                if (any != Vector256<int>.Zero) break;
            }
        }
        for (; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    private void EnsureWorkspace(int batch)
    {
        if (batch <= _workspaceBatch) return;
        _batchInputs = new AlignedBuffer(batch * NetworkShape.InputSize);
        _batchTargets = new float[batch * NetworkShape.OutputSize];
        _activations = new AlignedBuffer(batch * NetworkShape.ActivationsPerSample);
        _logits = new float[batch * NetworkShape.OutputSize];
        _delta = new float[batch * NetworkShape.OutputSize];
        _scratch = new float[2 * batch * NetworkShape.MaxHiddenSize];
        _workspaceBatch = batch;
    }

    /// <summary>Copies the rows named by <paramref name="rows"/> into a contiguous batch.</summary>
    private static void Gather(ReadOnlySpan<float> source, int width, ReadOnlySpan<int> rows, Span<float> destination)
    {
        if (width <= GatherPiece)
        {
            for (int r = 0; r < rows.Length; r++)
                source.Slice(rows[r] * width, width).CopyTo(destination.Slice(r * width, width));
            return;
        }
        // Long rows: shuffled rows come from main memory, one row's lines at a time unless asked for. Every line of every
        // row is requested first, so that all the reads are in flight at once, then copied a piece of each row at a time
        // (32 shuffled rows of 784 floats from 150 MB: 8.4 us against 15.4 us without the requests). The same values land
        // in the same places.
        ref float first = ref MemoryMarshal.GetReference(source);
        for (int r = 0; r < rows.Length; r++) Kernels.Simd.PrefetchLines(ref Unsafe.Add(ref first, (nint)rows[r] * width), width);
        for (int at = 0; at < width; at += GatherPiece)
        {
            int n = Math.Min(GatherPiece, width - at);
            for (int r = 0; r < rows.Length; r++)
                source.Slice(rows[r] * width + at, n).CopyTo(destination.Slice(r * width + at, n));
        }
    }

    /// <summary>Floats per piece of a gathered row (1 KB).</summary>
    private const int GatherPiece = 256;

    private static float[] ToFloat(int[] labels)
    {
        var result = new float[labels.Length];
        for (int i = 0; i < labels.Length; i++) result[i] = labels[i];
        return result;
    }

    private static void ThrowWrongLength(int actual, int expected, string argument) =>
        throw new ArgumentException($"Expected {expected} values in '{argument}'; got {actual}.", argument);
}
