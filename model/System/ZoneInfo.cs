using System.Globalization;
using System.Text;
using MMSpec.Model.Buddy;

namespace MMSpec.Model.MemorySystem;

/// <summary>One zone as /proc/zoneinfo shows it: its marks, and its free, spanned and present pages.</summary>
public sealed record ZoneView(ZoneMarks Marks, ulong FreePages, ulong Spanned, ulong Present);

/// <summary>
/// The watermark lines of /proc/zoneinfo as zoneinfo_show_print (mm/vmstat.c, Linux 6.18) prints them, byte for
/// byte: per zone the header "Node 0, zone %8s", "pages free", boost (0: no boosts here), min, low, high, promo,
/// spanned, present, managed, cma (0), and the protection line over MAX_NR_ZONES entries (DMA, DMA32, NORMAL,
/// MOVABLE, DEVICE on an x86-64 distribution kernel; the last two zones are empty, so their reserves repeat the
/// NORMAL entry). The lines zoneinfo prints between the first populated zone's header and "pages free" (the node's
/// counters) and after the protection line (the zone's counters, pagesets, start_pfn) are not rendered.
/// </summary>
public static class ZoneInfo
{
    /// <summary>MAX_NR_ZONES with CONFIG_ZONE_DMA, CONFIG_ZONE_DMA32 and CONFIG_ZONE_DEVICE.</summary>
    public const int MaxNrZones = 5;

    public static string Render(IEnumerable<ZoneView> zones)
    {
        var text = new StringBuilder();
        foreach (var z in zones)
        {
            var m = z.Marks;
            var name = ZoneNames.Of(m.Zone);
            text.Append(CultureInfo.InvariantCulture, $"Node 0, zone {name,8}")
                .Append(CultureInfo.InvariantCulture, $"\n  pages free     {z.FreePages}")
                .Append("\n        boost    0")
                .Append(CultureInfo.InvariantCulture, $"\n        min      {m.Min}")
                .Append(CultureInfo.InvariantCulture, $"\n        low      {m.Low}")
                .Append(CultureInfo.InvariantCulture, $"\n        high     {m.High}")
                .Append(CultureInfo.InvariantCulture, $"\n        promo    {m.Promo}")
                .Append(CultureInfo.InvariantCulture, $"\n        spanned  {z.Spanned}")
                .Append(CultureInfo.InvariantCulture, $"\n        present  {z.Present}")
                .Append(CultureInfo.InvariantCulture, $"\n        managed  {m.Managed}")
                .Append("\n        cma      0")
                .Append("\n        protection: (")
                .Append(string.Join(", ", Protection(m)))
                .Append(")\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// lowmem_reserve over MAX_NR_ZONES: the zones past NORMAL hold no pages, so their entries repeat.
    /// </summary>
    private static IEnumerable<ulong> Protection(ZoneMarks m) =>
        m.LowmemReserve.Concat(Enumerable.Repeat(m.LowmemReserve[^1], MaxNrZones - m.LowmemReserve.Length));
}
