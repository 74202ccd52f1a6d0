using System.Text;
using System.Text.Json;

namespace MMSpec.Model.Core;

/// <summary>
/// What one operation returned, without its static type: the value (a pfn, an address, a byte, <see cref="Unit"/>
/// ...) or the typed error. Two results are equal when both hold equal values or equal errors, which is how a
/// lockstep compares the implementation's answer with the model's.
/// </summary>
public readonly record struct OpResult(object? Value, MmError? Error)
{
    public bool IsOk => Error is null;

    public static OpResult Of<T>(Result<T> result) => result.IsOk ? new(result.Value, null) : new(null, result.Error);

    public override string ToString() => Error?.ToString() ?? Value?.ToString() ?? "null";

    /// <summary>
    /// The result in JSON, as <see cref="ResultJsonConverter"/> writes it: {"ok": value} or the error.
    /// </summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            // Declared as object, a value is written as its runtime type says.
            ResultJsonConverter.Write(writer, Value, typeof(object), Error, MmJson.Options);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// A result read back from <see cref="ToJson"/>'s form, its value read as <paramref name="valueType"/>.
    /// </summary>
    public static OpResult FromJson(string json, Type valueType)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        var (value, error) = ResultJsonConverter.Read(ref reader, valueType, MmJson.Options);
        // Past the result: Utf8JsonReader refuses anything but white space after a single value.
        reader.Read();
        return new OpResult(value, error);
    }
}
