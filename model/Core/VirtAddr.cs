using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MMSpec.Model.Core;

/// <summary>A kernel virtual address; printed in hex as the kernel prints pointers with %px.</summary>
[JsonConverter(typeof(JsonScalarConverter<VirtAddr>))]
public readonly record struct VirtAddr(ulong Value) : IJsonScalar<VirtAddr>
{
    public static VirtAddr ReadJson(ref Utf8JsonReader reader) =>
        TryParse(reader.GetString(), out var addr)
            ? addr
            : throw new JsonException($"not an address: {reader.GetString()} (\"0x\" and hex digits)");

    public void WriteJson(Utf8JsonWriter writer) => writer.WriteStringValue(ToString());

    /// <summary>The virtual page number: the address over PAGE_SIZE (what a TLB entry is tagged with).</summary>
    public ulong Vpn => Value / Pfn.PageSize;

    public override string ToString() => $"0x{Value:x}";

    /// <summary>An address as <see cref="ToString"/> prints it: "0x" and at most 16 hex digits.</summary>
    public static bool TryParse(string? text, out VirtAddr addr)
    {
        addr = default;
        if (text is not ['0', 'x' or 'X', _, ..]
            || !ulong.TryParse(
                text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        addr = new VirtAddr(value);
        return true;
    }
}
