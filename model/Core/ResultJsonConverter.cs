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

    /// <summary>The value a result node holds, or its error, as <paramref name="valueType"/> says.</summary>
    public static (object? Value, MmError? Error) Read(JsonNode? node, Type valueType, JsonSerializerOptions options)
    {
        if (node is not JsonObject result)
        {
            throw new JsonException("a result is a JSON object: {\"ok\": value} or an error {\"error\": kind, ...}");
        }

        if (result.ContainsKey(MmErrorJsonConverter.KindProperty))
        {
            return (null, result.Deserialize<MmError>(options));
        }

        if (result.Count != 1 || !result.TryGetPropertyValue(OkProperty, out var value) || value is null)
        {
            throw new JsonException("a result is {\"ok\": value} or an error {\"error\": kind, ...}");
        }

        return (value.Deserialize(valueType, options), null);
    }

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
            var (value, error) = ResultJsonConverter.Read(JsonNode.Parse(ref reader), typeof(T), options);
            // Read refuses {"ok": null}, and a JSON value that is not null reads as a value that is not.
            return error is not null ? Result<T>.Fail(error) : Result<T>.Ok((T)value!);
        }

        public override void Write(Utf8JsonWriter writer, Result<T> value, JsonSerializerOptions options) =>
            ResultJsonConverter.Write(writer, value.IsOk ? value.Value : default, typeof(T), value.Error, options);
    }
}
