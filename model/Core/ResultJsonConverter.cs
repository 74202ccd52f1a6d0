using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MMSpec.Model.Core;

/// <summary>
/// A <see cref="Result{T}"/> in JSON: <c>{"ok": value}</c> on success (<c>{"ok": {}}</c> for <see cref="Unit"/>),
/// the error's own object (<c>{"error": kind, "message": ..., fields}</c>, <see cref="MmErrorJsonConverter"/>) on
/// failure. Anything else is a <see cref="JsonException"/>.
/// </summary>
public sealed class ResultJsonConverter : JsonConverterFactory
{
    public const string OkProperty = "ok";

    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(Result<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Of<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    /// <summary>
    /// The value or the error of the result whose start the reader is at, the value read as
    /// <paramref name="valueType"/> says; the reader ends at the result's end. <c>{"ok": value}</c>, most of what
    /// crosses the protocol (a whole system's snapshot every step), is read straight from the reader, not through a
    /// node tree; an error's object goes to <see cref="MmErrorJsonConverter"/>.
    /// </summary>
    public static (object? Value, MmError? Error) Read(ref Utf8JsonReader reader, Type valueType,
        JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("a result is a JSON object: {\"ok\": value} or an error {\"error\": kind, ...}");
        }

        var start = reader;
        if (reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals(OkProperty)
            && reader.Read() && reader.TokenType != JsonTokenType.Null)
        {
            var value = JsonSerializer.Deserialize(ref reader, valueType, options);
            return reader.Read() && reader.TokenType == JsonTokenType.EndObject ? (value, null) : throw NotAResult();
        }

        reader = start;
        var result = (JsonObject)JsonNode.Parse(ref reader)!;
        return result.ContainsKey(MmErrorJsonConverter.KindProperty)
            ? (null, result.Deserialize<MmError>(options))
            : throw NotAResult();
    }

    private static JsonException NotAResult() =>
        new("a result is {\"ok\": value} or an error {\"error\": kind, ...}");

    /// <summary>Writes <c>{"ok": value}</c>, or the error's object.</summary>
    public static void Write(Utf8JsonWriter writer, object? value, Type valueType, MmError? error,
        JsonSerializerOptions options)
    {
        if (error is not null)
        {
            JsonSerializer.Serialize(writer, error, options);
            return;
        }

        writer.WriteStartObject();
        writer.WritePropertyName(OkProperty);
        JsonSerializer.Serialize(writer, value, valueType, options);
        writer.WriteEndObject();
    }

    private sealed class Of<T> : JsonConverter<Result<T>>
    {
        public override Result<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var (value, error) = ResultJsonConverter.Read(ref reader, typeof(T), options);
            // Read refuses {"ok": null}, and a JSON value that is not null reads as a value that is not.
            return error is not null ? Result<T>.Fail(error) : Result<T>.Ok((T)value!);
        }

        public override void Write(Utf8JsonWriter writer, Result<T> value, JsonSerializerOptions options) =>
            ResultJsonConverter.Write(writer, value.IsOk ? value.Value : default, typeof(T), value.Error, options);
    }
}
