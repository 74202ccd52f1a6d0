using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Slab;
using MMSpec.Model.Tlb;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// A failing property's counterexample as a JSON trace: the test, the seed and gamma, the broken rule and its detail,
/// the failing step, the replay command, every call made as an operation record in its JSON form (<see cref="MmJson"/>:
/// {"op":"free_pages","pfn":3,"order":0}) and the same calls as text. <see cref="OutputRunner"/> writes it into the
/// test assembly's directory, mmspec-counterexamples/CLASS.METHOD.json, and prints the path.
/// </summary>
public static class Counterexample
{
    /// <summary>The directory, beside the test assembly, that the traces go to.</summary>
    public static string DirectoryName { get; } = "mmspec-counterexamples";

    [ThreadStatic]
    private static LockstepFailure? _last;

    /// <summary>
    /// Remembers a failure of a lockstep run on this thread. FsCheck shrinks by running candidates and keeps going
    /// from each that fails, so after a failing check the last failure recorded is the shrunk counterexample's.
    /// </summary>
    public static void Record(LockstepFailure failure) => _last = failure;

    /// <summary>The failure last recorded on this thread, forgotten as it is taken.</summary>
    public static LockstepFailure? Take()
    {
        var failure = _last;
        _last = null;
        return failure;
    }

    /// <summary>The JSON trace of <paramref name="failure"/>.</summary>
    public static string ToJson(LockstepFailure failure, string test, string seed, string gamma, string replay)
    {
        ArgumentNullException.ThrowIfNull(failure);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = true,
            // The trace is read by people and by MmJson, never put into HTML: quotes and '<' stay as they are.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            json.WriteStartObject();
            json.WriteString("test", test);
            json.WriteString("seed", seed);
            json.WriteString("gamma", gamma);
            json.WriteString("rule", failure.Violation.Rule);
            json.WriteString("detail", failure.Violation.Detail);
            json.WriteNumber("step", failure.StepIndex);
            json.WriteString("replay", replay);
            json.WriteStartArray("operations");
            foreach (var operation in failure.Operations)
            {
                WriteOperation(json, operation);
            }

            json.WriteEndArray();
            json.WriteStartArray("calls");
            foreach (var call in failure.Trace)
            {
                json.WriteStringValue(call);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// Writes the trace to <paramref name="directory"/>/mmspec-counterexamples/TEST.json; returns the path, or null
    /// when the directory cannot be written (the report then goes without it).
    /// </summary>
    public static string? Write(string directory, string test, string json)
    {
        var path = PathFor(directory, test);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, json);
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Where <see cref="Write"/> puts the trace of <paramref name="test"/>.</summary>
    public static string PathFor(string directory, string test)
    {
        var name = string.Concat(test.Select(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_'));
        return Path.Combine(directory, DirectoryName, $"{name}.json");
    }

    /// <summary>The operations of a trace, read back as records of the component's operation type.</summary>
    public static IReadOnlyList<TOp> Operations<TOp>(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("operations").EnumerateArray()
            .Select(op => op.Deserialize<TOp>(MmJson.Options)
                ?? throw new JsonException($"null where a {typeof(TOp).Name} was expected"))];
    }

    private static void WriteOperation(Utf8JsonWriter json, object operation)
    {
        switch (operation)
        {
            case BuddyOp buddy:
                JsonSerializer.Serialize(json, buddy, MmJson.Options);
                break;
            case SlabOp slab:
                JsonSerializer.Serialize(json, slab, MmJson.Options);
                break;
            case PagingOp paging:
                JsonSerializer.Serialize(json, paging, MmJson.Options);
                break;
            case MachineOp machine:
                JsonSerializer.Serialize(json, machine, MmJson.Options);
                break;
            default:
                json.WriteStringValue(operation.ToString());
                break;
        }
    }
}
