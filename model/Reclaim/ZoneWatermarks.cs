namespace MMSpec.Model.Reclaim;

/// <summary>
/// A zone's min, low and high watermarks in pages (zone->_watermark), for a zone of the whole machine.
/// </summary>
public readonly record struct ZoneWatermarks(ulong Min, ulong Low, ulong High)
{
    /// <summary>
    /// calculate_min_free_kbytes, then __setup_per_zone_wmarks for one zone that is all of lowmem:
    /// min_free_kbytes = clamp(int_sqrt(lowmem_kbytes * 16), 128, 262144), min = that in pages,
    /// delta = max(min / 4, managed * watermark_scale_factor (10) / 10000), low = min + delta, high = low + delta.
    /// </summary>
    public static ZoneWatermarks For(ulong managedPages)
    {
        var lowmemKbytes = managedPages * 4;
        var minFreeKbytes = Math.Clamp((ulong)Math.Sqrt(lowmemKbytes * 16), 128UL, 262144UL);
        var min = minFreeKbytes >> 2;
        var delta = Math.Max(min >> 2, managedPages * 10 / 10000);
        return new ZoneWatermarks(min, min + delta, min + (2 * delta));
    }
}
