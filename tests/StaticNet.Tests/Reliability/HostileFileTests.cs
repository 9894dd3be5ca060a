using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using StaticNet;
using StaticNet.Data;
using StaticNet.Interop;
using StaticNet.Serialization;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Tests.Reliability;

/// <summary>
/// Mutation fuzzing of every file reader: a valid file made here is damaged thousands of times
/// (seeded: a failure names the case and prints the bytes, and reruns identically) with bit flips,
/// random bytes, truncations, insertions, deletions, duplicated ranges, header fields set to 0, −1,
/// int.MaxValue and other hostile values, trailing garbage, and (for the StaticNet formats) a
/// recomputed checksum so that damage gets past the CRC to the checks behind it. Each mutant is read
/// from a seekable stream, a non-seekable stream with short reads, or a file. Only the documented
/// <see cref="InvalidDataException"/> may escape (never IndexOutOfRange, Overflow, OutOfMemory,
/// ArgumentOutOfRange, NullReference, EndOfStream...), a failed load leaves the model unchanged, no
/// case allocates more than a few MB whatever its header claims; the work is bounded by counts, not time.
/// </summary>
public sealed class HostileFileTests(ITestOutputHelper output)
{
    private const int Iterations = 3000;

    /// <summary>Bytes one case may allocate: the valid files are a few KB, so this only trips on header-driven allocations.</summary>
    private const long AllocationBound = 4 << 20;

    // ------------------------------------------------------------------ the readers

    [Fact]
    public void IdxImages_RawAndGzip()
    {
        byte[] raw = IdxImages(count: 5, rows: 4, columns: 3);
        int[] fields = [0, 4, 8, 12];
        Run("Idx.ReadImages raw", raw, fields, Endian.Big, fixChecksum: false, (bytes, how) => Idx.ReadImages(Open(bytes, how)), path: p => Idx.ReadImages(p));
        Run("Idx.ReadImages gzip (damaged gzip)", Gzip(raw), GzipFields(Gzip(raw)), Endian.Little, fixChecksum: false, (bytes, how) => Idx.ReadImages(Open(bytes, how)), path: p => Idx.ReadImages(p));
        Run("Idx.ReadImages gzip (damaged content)", raw, fields, Endian.Big, fixChecksum: false, (bytes, how) => Idx.ReadImages(Open(Gzip(bytes), how)));
    }

    [Fact]
    public void IdxLabels_RawAndGzip()
    {
        byte[] raw = IdxLabels(count: 9);
        int[] fields = [0, 4];
        Run("Idx.ReadLabels raw", raw, fields, Endian.Big, fixChecksum: false, (bytes, how) => Idx.ReadLabels(Open(bytes, how)), path: p => Idx.ReadLabels(p));
        Run("Idx.ReadLabels gzip (damaged gzip)", Gzip(raw), GzipFields(Gzip(raw)), Endian.Little, fixChecksum: false, (bytes, how) => Idx.ReadLabels(Open(bytes, how)), path: p => Idx.ReadLabels(p));
        Run("Idx.ReadLabels gzip (damaged content)", raw, fields, Endian.Big, fixChecksum: false, (bytes, how) => Idx.ReadLabels(Open(Gzip(bytes), how)));
    }

    [Fact]
    public void WeightsFiles()
    {
        var source = new GuardClassifierNet(seed: 3);
        var stream = new MemoryStream();
        source.SaveWeights(stream);
        var target = new GuardClassifierNet(seed: 4);
        float[] before = target.Parameters.ToArray();
        Run("LoadWeights", stream.ToArray(), HeaderFields(source.NetworkShape), Endian.Little, fixChecksum: true,
            (bytes, how) => Unchanged(target, before, () => target.LoadWeights(Open(bytes, how))),
            path: p => Unchanged(target, before, () => target.LoadWeights(p)),
            reset: () => before.CopyTo(target.Parameters));
    }

    [Fact]
    public void Checkpoints()
    {
        var source = new GuardClassifierNet(seed: 3);
        source.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        source.Fit(ReliabilityData.Matrix(1, 16, 3), Enumerable.Range(0, 16).Select(i => i % 3).ToArray(), epochs: 2, batchSize: 4, verbose: 0);
        var stream = new MemoryStream();
        source.SaveCheckpoint(stream);
        byte[] valid = stream.ToArray();

        var target = new GuardClassifierNet(seed: 4);
        var adam = new Adam();
        target.Compile(Loss.SparseCategoricalCrossentropy, adam, Metric.Accuracy);
        float[] before = target.Parameters.ToArray();
        Run("LoadCheckpoint", valid, CheckpointFields(source.NetworkShape, valid), Endian.Little, fixChecksum: true,
            (bytes, how) => Unchanged(target, before, () => target.LoadCheckpoint(Open(bytes, how)), adam),
            path: p => Unchanged(target, before, () => target.LoadCheckpoint(p), adam),
            reset: () =>
            {
                // A mutant may load (damage to values only): start each case from the same model.
                before.CopyTo(target.Parameters);
                target.Compile(Loss.SparseCategoricalCrossentropy, adam, Metric.Accuracy);
            });
    }

    [Fact]
    public void SafetensorsLoadAndReadTensors()
    {
        var source = new GuardClassifierNet(seed: 3);
        var stream = new MemoryStream();
        Safetensors.Save(source, stream);
        byte[] valid = stream.ToArray();
        var target = new GuardClassifierNet(seed: 4);
        float[] before = target.Parameters.ToArray();
        Run("Safetensors.Load", valid, [0, 4], Endian.Little, fixChecksum: false,
            (bytes, how) => Unchanged(target, before, () => Safetensors.Load(target, Open(bytes, how))),
            path: p => Unchanged(target, before, () => Safetensors.Load(target, p)),
            reset: () => before.CopyTo(target.Parameters), json: true);
        Run("Safetensors.ReadTensors", valid, [0, 4], Endian.Little, fixChecksum: false,
            (bytes, how) => Safetensors.ReadTensors(Open(bytes, how)),
            path: p => Safetensors.ReadTensors(p), json: true);
    }

    // ------------------------------------------------------------------ the loop

    private enum Endian { Little, Big }

    private enum Via { Seekable, NonSeekable, File }

    private void Run(string reader, byte[] valid, int[] fields, Endian endian, bool fixChecksum, Action<byte[], Via> read,
        Action<string>? path = null, Action? reset = null, bool json = false)
    {
        // The valid file reads (else the fuzzing would only exercise the first check).
        read(valid, Via.Seekable);
        reset?.Invoke();

        var random = new Random(HashCode(reader));
        using var dir = new ReliabilityData.TempDirectory("fuzz");
        string file = dir.File("mutant");
        int loaded = 0, rejected = 0;
        long worstAllocation = 0;
        string worstCase = "";
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Iterations; i++)
        {
            var steps = new List<string>();
            byte[] mutant = Mutate(valid, fields, endian, fixChecksum, json, random, steps);
            Via how = path is not null && i % 16 == 15 ? Via.File : i % 3 == 2 ? Via.NonSeekable : Via.Seekable;
            if (how == Via.File) File.WriteAllBytes(file, mutant);
            string Describe() =>
                $"{reader}, case {i} via {how}: {string.Join("; ", steps)}\n  mutant ({mutant.Length} bytes): {Hex(mutant)}";

            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                if (how == Via.File) path!(file);
                else read(mutant, how);
                loaded++;
            }
            catch (InvalidDataException e)
            {
                rejected++;
                Assert.False(string.IsNullOrWhiteSpace(e.Message), Describe());
            }
            catch (Exception e)
            {
                Assert.Fail($"{e.GetType().FullName} escaped instead of InvalidDataException.\n{Describe()}\n{e}");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            if (allocated > worstAllocation) (worstAllocation, worstCase) = (allocated, Describe());
            Assert.True(allocated <= AllocationBound, $"{allocated:N0} bytes allocated for one case (bound {AllocationBound:N0}).\n{Describe()}");
            reset?.Invoke();
        }
        clock.Stop();
        output.WriteLine($"{reader}: {Iterations} mutants, {loaded} loaded, {rejected} rejected, {clock.ElapsedMilliseconds} ms, " +
                         $"most allocated by one case {worstAllocation:N0} bytes ({worstCase.Split('\n')[0]})");
        // No time bound (a busy machine is slow, not wrong): the work is bounded by Iterations and AllocationBound.
        Assert.True(rejected > Iterations / 10, $"{reader}: only {rejected} of {Iterations} mutants were rejected: the mutations are too weak.");
    }

    /// <summary>Runs a load; if it throws, the model (and the optimizer's step count) must be as before.</summary>
    private static void Unchanged(NeuralNetwork model, float[] before, Action load, Optimizer? optimizer = null)
    {
        long iterations = optimizer?.Iterations ?? 0;
        float rate = optimizer?.LearningRate ?? 0;
        try
        {
            load();
        }
        catch (InvalidDataException)
        {
            if (!model.Parameters.SequenceEqual(before)) Assert.Fail("A failed load changed the parameters.");
            if (optimizer is not null && (optimizer.Iterations != iterations || optimizer.LearningRate != rate))
                Assert.Fail("A failed load changed the optimizer.");
            throw;
        }
    }

    private static Stream Open(byte[] bytes, Via how) => how == Via.NonSeekable ? new TrickleStream(bytes) : new MemoryStream(bytes, writable: false);

    // ------------------------------------------------------------------ mutations

    private static readonly long[] HostileValues =
    [
        0, -1, 1, int.MaxValue, int.MinValue, int.MaxValue - 7, 0x7FFF_FFF0, 65535, 65536, 1 << 24, (1 << 24) + 1,
        uint.MaxValue, long.MaxValue, long.MinValue, 100_000_001, 1L << 32, 1L << 40,
    ];

    private static readonly string[] HostileJsonNumbers =
    [
        "0", "-1", "1", "2147483647", "2147483648", "4294967295", "4294967296", "9223372036854775807",
        "9223372036854775808", "18446744073709551615", "18446744073709551616", "1e308", "1e999", "-0", "1.5", "007",
        "99999999999999999999999999999", "NaN", "Infinity", "null", "true", "\"7\"", "[]", "{}",
    ];

    private static byte[] Mutate(byte[] valid, int[] fields, Endian endian, bool fixChecksum, bool json, Random random, List<string> steps)
    {
        var bytes = new List<byte>(valid);
        bool lengthKept = true;
        int count = random.Next(8) == 0 ? random.Next(2, 4) : 1;
        for (int m = 0; m < count; m++)
        {
            int kind = random.Next(json ? 11 : 10);
            if (bytes.Count == 0) kind = 5;
            switch (kind)
            {
                case 0:
                {
                    int flips = random.Next(1, 5);
                    for (int f = 0; f < flips; f++)
                    {
                        int at = random.Next(bytes.Count), bit = random.Next(8);
                        bytes[at] ^= (byte)(1 << bit);
                        steps.Add($"flip bit {bit} of byte {at}");
                    }
                    break;
                }
                case 1:
                {
                    int n = random.Next(1, 9);
                    for (int r = 0; r < n; r++)
                    {
                        int at = random.Next(bytes.Count);
                        bytes[at] = (byte)random.Next(256);
                        steps.Add($"byte {at} = 0x{bytes[at]:X2}");
                    }
                    break;
                }
                case 2:
                {
                    int length = random.Next(bytes.Count);
                    steps.Add($"truncate to {length} bytes");
                    bytes.RemoveRange(length, bytes.Count - length);
                    lengthKept = false;
                    break;
                }
                case 3:
                {
                    int at = random.Next(bytes.Count + 1), n = random.Next(1, 17);
                    var inserted = new byte[n];
                    random.NextBytes(inserted);
                    bytes.InsertRange(at, inserted);
                    steps.Add($"insert {Hex(inserted)} at {at}");
                    lengthKept = false;
                    break;
                }
                case 4:
                {
                    int start = random.Next(bytes.Count), length = random.Next(1, Math.Min(64, bytes.Count - start) + 1);
                    int at = random.Next(bytes.Count + 1);
                    bytes.InsertRange(at, bytes.GetRange(start, length));
                    steps.Add($"duplicate bytes [{start}, {start + length}) at {at}");
                    lengthKept = false;
                    break;
                }
                case 5:
                {
                    int n = random.Next(1, 33);
                    var appended = new byte[n];
                    random.NextBytes(appended);
                    bytes.AddRange(appended);
                    steps.Add($"append {n} random bytes");
                    lengthKept = false;
                    break;
                }
                case 6:
                {
                    int start = random.Next(bytes.Count), length = random.Next(1, Math.Min(32, bytes.Count - start) + 1);
                    bytes.RemoveRange(start, length);
                    steps.Add($"delete bytes [{start}, {start + length})");
                    lengthKept = false;
                    break;
                }
                case 7:
                case 8:
                case 9:
                {
                    // A header field set to a hostile value, as a 1-, 2-, 4- or 8-byte integer.
                    int at = fields[random.Next(fields.Length)];
                    long value = random.Next(4) == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : HostileValues[random.Next(HostileValues.Length)];
                    int size = random.Next(5) switch { 0 => 1, 1 => 2, 2 or 3 => 4, _ => 8 };
                    if (at >= bytes.Count) break;
                    size = Math.Min(size, bytes.Count - at);
                    Span<byte> field = stackalloc byte[8];
                    if (endian == Endian.Little) BinaryPrimitives.WriteInt64LittleEndian(field, value);
                    else BinaryPrimitives.WriteInt64BigEndian(field, value << (8 * (8 - size)));
                    for (int b = 0; b < size; b++) bytes[at + b] = field[b];
                    steps.Add($"field at {at} = {value} ({size} bytes, {endian}-endian)");
                    break;
                }
                default:
                {
                    // safetensors: a number in the JSON header replaced by a hostile one.
                    int headerLength = (int)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(valid), (ulong)valid.Length - 8);
                    if (bytes.Count < 8 + headerLength) break;
                    string header = Encoding.UTF8.GetString(bytes.GetRange(8, headerLength).ToArray());
                    MatchCollection numbers = Regex.Matches(header, "-?[0-9]+");
                    if (numbers.Count == 0) break;
                    Match target = numbers[random.Next(numbers.Count)];
                    string replacement = HostileJsonNumbers[random.Next(HostileJsonNumbers.Length)];
                    string changed = header[..target.Index] + replacement + header[(target.Index + target.Length)..];
                    byte[] encoded = Encoding.UTF8.GetBytes(changed);
                    bytes.RemoveRange(8, headerLength);
                    bytes.InsertRange(8, encoded);
                    var lengthField = new byte[8];
                    // Usually keep the length field right, so the damage reaches the JSON checks.
                    BinaryPrimitives.WriteUInt64LittleEndian(lengthField, random.Next(4) == 0 ? (ulong)headerLength : (ulong)encoded.Length);
                    for (int b = 0; b < 8; b++) bytes[b] = lengthField[b];
                    steps.Add($"JSON number '{target.Value}' at {target.Index} -> '{replacement}'");
                    lengthKept = false;
                    break;
                }
            }
        }
        byte[] result = bytes.ToArray();
        if (fixChecksum && lengthKept && result.Length >= 4 && random.Next(10) < 6)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(result.Length - 4), Crc32.Append(0, result.AsSpan(0, result.Length - 4)));
            steps.Add("checksum recomputed");
        }
        return result;
    }

    // ------------------------------------------------------------------ valid files and their fields

    private static byte[] IdxImages(int count, int rows, int columns)
    {
        var bytes = new byte[16 + count * rows * columns];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        for (int i = 16; i < bytes.Length; i++) bytes[i] = (byte)(i * 37);
        return bytes;
    }

    private static byte[] IdxLabels(int count)
    {
        var bytes = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x801);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        for (int i = 8; i < bytes.Length; i++) bytes[i] = (byte)(i % 10);
        return bytes;
    }

    private static byte[] Gzip(byte[] data)
    {
        var stream = new MemoryStream();
        using (var gzip = new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(data);
        return stream.ToArray();
    }

    /// <summary>The gzip header's fields (magic, method, flags, time, extra flags, OS) and its trailer's (CRC-32, size).</summary>
    private static int[] GzipFields(byte[] gzip) => [0, 2, 3, 4, 8, 9, gzip.Length - 8, gzip.Length - 4];

    /// <summary>Offsets of the weights file's header fields (docs/FORMATS.md): version, input rank and shape, slope, layer count, every field of each layer record, parameter count.</summary>
    private static int[] HeaderFields(NetworkShape shape)
    {
        int rank = shape.InputShape.Count, l = shape.Layers.Count;
        var fields = new List<int> { 0, 4, 6 };
        for (int i = 0; i < rank; i++) fields.Add(7 + 4 * i);
        int at = 7 + 4 * rank;
        fields.AddRange([at, at + 4]);                                    // slope, layer count
        at += 8;
        for (int i = 0; i < l; i++, at += 40)
            fields.AddRange([at, at + 1, at + 2, at + 3, at + 4, at + 8, at + 12, at + 16, at + 20, at + 24, at + 28, at + 32, at + 36]);
        fields.Add(at);                                                   // parameter count
        return fields.ToArray();
    }

    /// <summary>The header fields and every field of the checkpoint's training and optimizer sections (Adam, one metric).</summary>
    private static int[] CheckpointFields(NetworkShape shape, byte[] valid)
    {
        var fields = new List<int>(HeaderFields(shape));
        int t = 15 + 4 * shape.InputShape.Count + 40 * shape.Layers.Count + 4 + 4 * shape.ParameterCount;
        fields.AddRange([t, t + 4, t + 8, t + 16]);                       // epochs, seed, generator state, loss name length
        int at = t + 18 + BinaryPrimitives.ReadUInt16LittleEndian(valid.AsSpan(t + 16));
        fields.AddRange([at, at + 1, at + 2]);                            // fromLogits, metric count, metric name length
        at += 4 + BinaryPrimitives.ReadUInt16LittleEndian(valid.AsSpan(at + 2));
        int hyper = valid[at + 1];
        fields.AddRange([at, at + 1]);                                    // optimizer code, hyperparameter count
        at += 2 + 4 * hyper;
        fields.AddRange([at, at + 4, at + 5]);                            // learning rate, schedule code, schedule value count (version 2)
        at += 7 + 8 * BinaryPrimitives.ReadUInt16LittleEndian(valid.AsSpan(at + 5));
        fields.AddRange([at, at + 8, at + 12]);                           // iterations, parameter count, array count
        at += 13;
        for (int a = 0; a < 2; a++)
        {
            fields.Add(at);                                               // array length
            at += 4 + 4 * BinaryPrimitives.ReadInt32LittleEndian(valid.AsSpan(at));
        }
        Assert.Equal(valid.Length - 4, at);                               // the walk ends at the CRC: the offsets are right
        return fields.ToArray();
    }

    private static int HashCode(string text)
    {
        int hash = 17;
        foreach (char c in text) hash = hash * 31 + c;
        return hash;
    }

    private static string Hex(byte[] bytes) =>
        bytes.Length <= 4096 ? Convert.ToHexString(bytes) : Convert.ToHexString(bytes, 0, 4096) + "...";

    /// <summary>A read-only stream that cannot seek or tell its length and returns at most a few bytes per read, as a pipe.</summary>
    private sealed class TrickleStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(Math.Min(buffer.Length, 13), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
