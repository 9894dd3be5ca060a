using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;
using StaticNet.Interop;
using Xunit;
using static StaticNet.Tests.Interop.SafetensorsFiles;

namespace StaticNet.Tests.Interop;

/// <summary>Every malformed or mismatched file throws <see cref="InvalidDataException"/> and leaves the model as it was.</summary>
public class SafetensorsCorruptTests
{
    /// <summary>Loads into a TinyNet; asserts InvalidDataException, an unchanged model, and returns the message.</summary>
    private static string LoadFails(byte[] file, SafetensorsLayout layout = SafetensorsLayout.PyTorch)
    {
        var model = new TinyNet(seed: 1);
        float[] before = model.Parameters.ToArray();
        var error = Assert.Throws<InvalidDataException>(() => Safetensors.Load(model, new MemoryStream(file), layout));
        Assert.Equal(before, model.Parameters.ToArray());
        // The same through a file and through a stream that cannot seek.
        using (var dir = new InteropTempDirectory())
        {
            string path = dir.File("corrupt.safetensors");
            File.WriteAllBytes(path, file);
            Assert.Throws<InvalidDataException>(() => Safetensors.Load(model, path, layout));
        }
        Assert.Throws<InvalidDataException>(() => Safetensors.Load(model, new NonSeekableStream(file), layout));
        Assert.Equal(before, model.Parameters.ToArray());
        return error.Message;
    }

    private static string Header(string from, string to)
    {
        Assert.Contains(from, TinyHeader);
        return TinyHeader.Replace(from, to);
    }

    [Fact]
    public void TheValidTinyFile_Loads()
    {
        var model = new TinyNet(seed: 1);
        Safetensors.Load(model, new MemoryStream(Build(TinyHeader, TinyData())));
        Assert.Equal(0.01f, model.Parameters[0]);
        Assert.Equal(0.26f, model.Parameters[25]);
    }

    [Fact]
    public void UnknownFieldsAndAnEmptyHeader_AreAccepted()
    {
        string header = TinyHeader.Replace("\"0.bias\":{", "\"0.bias\":{\"future\":{\"a\":[1,{\"b\":null}]},");
        var model = new TinyNet(seed: 1);
        Safetensors.Load(model, new MemoryStream(Build(header, TinyData())));
        Assert.Equal(0.26f, model.Parameters[25]);
        Assert.Empty(Safetensors.ReadTensors(new MemoryStream(Build("{}", Array.Empty<byte>()))));
    }

    [Fact]
    public void EveryTruncation_Throws()
    {
        byte[] file = Build(TinyHeader, TinyData());
        for (int length = 0; length < file.Length; length++)
        {
            string message = LoadFails(file.AsSpan(0, length).ToArray());
            Assert.True(message.Contains("truncated") || message.Contains("header"), $"length {length}: {message}");
        }
    }

    [Theory]
    [InlineData(ulong.MaxValue)]
    [InlineData(100_000_001UL)]
    [InlineData(1UL << 40)]
    public void AbsurdHeaderLength_Throws(ulong length)
    {
        string message = LoadFails(Build(TinyHeader, TinyData(), headerLength: length));
        Assert.Contains("header length", message);
    }

    [Fact]
    public void HeaderLongerThanTheFile_Throws()
    {
        byte[] file = Build(TinyHeader, TinyData());
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)file.Length);   // under the 100 MB limit, past the end
        Assert.Contains("header length", LoadFails(file));
        // A non-seekable stream cannot check first; it must still fail without allocating 99 MB up front.
        BinaryPrimitives.WriteUInt64LittleEndian(file, 99_999_999UL);
        Assert.Throws<InvalidDataException>(() => Safetensors.ReadTensors(new NonSeekableStream(file)));
    }

    [Theory]
    [InlineData("{\"0.weight\": }")]
    [InlineData("{\"0.weight\":{\"dtype\":\"F32\",}}")]
    [InlineData("[1, 2]")]
    [InlineData(" {}")]
    [InlineData("{} x")]
    [InlineData("{}{}")]
    [InlineData("{\"a\":1")]
    [InlineData("{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[1]}}")]
    [InlineData("{\"x\":{\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}")]
    [InlineData("{\"x\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"x\":[]}")]
    [InlineData("{\"__metadata__\":{\"a\":1}}")]
    [InlineData("{\"__metadata__\":[]}")]
    [InlineData("{\"__metadata__\":{\"a\":\"b\",\"a\":\"c\"}}")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("{/* comment */}")]
    public void MalformedHeader_Throws(string header)
    {
        byte[] file = Build(header, new byte[8]);
        Assert.Throws<InvalidDataException>(() => Safetensors.ReadTensors(new MemoryStream(file)));
        LoadFails(file);
    }

    [Fact]
    public void InvalidUtf8Header_Throws()
    {
        byte[] file = Build(TinyHeader, TinyData());
        file[8 + 3] = 0xFF;   // inside the first tensor name
        Assert.Contains("UTF-8", LoadFails(file));
    }

    [Fact]
    public void OffsetsOutsideTheData_Throw()
    {
        // The last tensor claims bytes past the end of the file.
        string header = Header("\"shape\":[2],\"data_offsets\":[96,104]", "\"shape\":[2,100],\"data_offsets\":[96,896]");
        Assert.Contains("truncated", LoadFails(Build(header, TinyData())));
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => Safetensors.ReadTensors(new MemoryStream(Build(header, TinyData())))).Message);
    }

    [Fact]
    public void HugeOffsets_Throw()
    {
        string header = Header("\"shape\":[2],\"data_offsets\":[96,104]", "\"shape\":[2],\"data_offsets\":[9223372036854775799,9223372036854775807]");
        LoadFails(Build(header, TinyData()));
    }

    [Fact]
    public void OverlappingOffsets_Throw()
    {
        string header = Header("\"data_offsets\":[64,96]", "\"data_offsets\":[60,92]");
        Assert.Contains("overlap", LoadFails(Build(header, TinyData())));
    }

    [Fact]
    public void AHoleInTheData_Throws()
    {
        string header = Header("\"shape\":[2],\"data_offsets\":[96,104]", "\"shape\":[2],\"data_offsets\":[100,108]");
        var data = new byte[108];
        Assert.Contains("hole", LoadFails(Build(header, data)));
    }

    [Fact]
    public void OffsetsNotMatchingTheShape_Throw()
    {
        string header = Header("\"shape\":[4],\"data_offsets\":[48,64]", "\"shape\":[3],\"data_offsets\":[48,64]");
        string message = LoadFails(Build(header, TinyData()));
        Assert.Contains("'0.bias'", message);
        Assert.Contains("12 bytes", message);
        Assert.Contains("span 16", message);

        string backwards = Header("\"data_offsets\":[48,64]", "\"data_offsets\":[64,48]");
        Assert.Contains("end before they begin", LoadFails(Build(backwards, TinyData())));
    }

    [Theory]
    [InlineData("I32", "dtype I32")]
    [InlineData("I64", "dtype I64")]
    [InlineData("BOOL", "dtype BOOL")]
    [InlineData("F8_E4M3", "dtype F8_E4M3")]
    [InlineData("Q4", "unknown dtype 'Q4'")]
    [InlineData("f32", "unknown dtype 'f32'")]
    public void UnsupportedDType_Throws(string dtype, string expected)
    {
        string header = Header("\"0.bias\":{\"dtype\":\"F32\"", $"\"0.bias\":{{\"dtype\":\"{dtype}\"");
        string message = LoadFails(Build(header, TinyData()));
        Assert.Contains("'0.bias'", message);
        Assert.Contains(expected, message);
        Assert.Contains("F32", message);
    }

    [Fact]
    public void WrongShape_NamesTensorExpectedAndActual()
    {
        // 2.weight as [1, 8]: same byte count, wrong shape for layer 1 (4 -> 2).
        string header = Header("\"shape\":[2,4]", "\"shape\":[1,8]");
        string message = LoadFails(Build(header, TinyData()));
        Assert.Contains("'2.weight'", message);
        Assert.Contains("[1, 8]", message);
        Assert.Contains("expects [2, 4]", message);
        Assert.Contains("layer 1 (4 -> 2)", message);
    }

    [Fact]
    public void MissingAndExtraTensors_AreListed()
    {
        string missing = "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[0,48]}," +
                         "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[48,64]}," +
                         "\"2.weight\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[64,96]}}";
        string message = LoadFails(Build(missing, TinyData().AsSpan(0, 96).ToArray()));
        Assert.Contains("missing '2.bias'", message);
        Assert.Contains("3-4(tanh)-2(softmax)", message);

        string extra = TinyHeader.TrimEnd('}') + "},\"2.running_mean\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[104,112]}}";
        var data = new byte[112];
        TinyData().CopyTo(data, 0);
        message = LoadFails(Build(extra, data));
        Assert.Contains("unexpected '2.running_mean'", message);
        Assert.DoesNotContain("missing", message);
    }

    [Fact]
    public void TrailingBytesInAFile_Throw()
    {
        var data = new byte[108];
        TinyData().CopyTo(data, 0);
        byte[] file = Build(TinyHeader, data);
        using var dir = new InteropTempDirectory();
        string path = dir.File("trailing.safetensors");
        File.WriteAllBytes(path, file);
        var error = Assert.Throws<InvalidDataException>(() => Safetensors.Load(new TinyNet(1), path));
        Assert.Contains("4 bytes after the end of its last tensor", error.Message);
        Assert.Throws<InvalidDataException>(() => Safetensors.ReadTensors(path));
    }

    [Fact]
    public void NonFiniteWeights_Throw()
    {
        byte[] data = TinyData();
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(64 + 4 * 5), float.NaN);   // 2.weight[1, 1]
        string message = LoadFails(Build(TinyHeader, data));
        Assert.Contains("'2.weight'", message);
        Assert.Contains("[1, 1]", message);
        Assert.Contains("NaN", message);
    }

    [Fact]
    public void MutationFuzz_EveryMutantLoadsOrThrowsInvalidData()
    {
        var model = new TinyNet(seed: 3);
        using var valid = new MemoryStream();
        Safetensors.Save(model, valid);
        byte[] original = valid.ToArray();
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        var random = new Random(20240611);
        int loaded = 0, rejected = 0;
        for (int iteration = 0; iteration < 4000; iteration++)
        {
            byte[] mutant = Mutate(original, headerEnd, random);
            var target = new TinyNet(seed: 4);
            float[] before = target.Parameters.ToArray();
            try
            {
                Stream stream = iteration % 4 == 3 ? new NonSeekableStream(mutant) : new MemoryStream(mutant);
                if (iteration % 2 == 0)
                    Safetensors.Load(target, stream);
                else
                    Safetensors.ReadTensors(stream);
                loaded++;
            }
            catch (InvalidDataException)
            {
                Assert.Equal(before, target.Parameters.ToArray());
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {iteration}: {e.GetType().Name} instead of InvalidDataException: {e.Message}\n" +
                            $"file: {Convert.ToHexString(mutant)}");
            }
        }
        Assert.True(loaded > 100 && rejected > 1000, $"loaded {loaded}, rejected {rejected}: the mutations should produce both");
    }

    private static byte[] Mutate(byte[] original, int headerEnd, Random random)
    {
        byte[] bytes = (byte[])original.Clone();
        switch (random.Next(6))
        {
            case 0:   // flip bits anywhere
                for (int k = random.Next(1, 4); k > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1:   // a random byte in the JSON header
                bytes[random.Next(8, headerEnd)] = (byte)random.Next(256);
                return bytes;
            case 2:   // a JSON-ish character in the header
                bytes[random.Next(8, headerEnd)] = (byte)"{}[],:\"0123456789 -.e\\u"[random.Next(23)];
                return bytes;
            case 3:   // truncate
                return bytes.AsSpan(0, random.Next(bytes.Length)).ToArray();
            case 4:   // change the header length
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, random.Next(3) switch
                {
                    0 => (ulong)random.Next(0, bytes.Length + 16),
                    1 => (ulong)random.NextInt64(),
                    _ => BinaryPrimitives.ReadUInt64LittleEndian(bytes) ^ (1UL << random.Next(64)),
                });
                return bytes;
            default:   // flip bits in the data (values change; NaN/infinity must be rejected on Load)
                for (int k = random.Next(1, 3); k > 0; k--) bytes[random.Next(headerEnd, bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
        }
    }

    /// <summary>A read-only stream that cannot seek or report its length, as a network or pipe stream.</summary>
    private sealed class NonSeekableStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));   // short reads too
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
