namespace MMSpec.Model.Paging.Segmentation;

/// <summary>Sizes as people write them: the largest binary unit that divides the size exactly.</summary>
public static class ByteSize
{
    private static readonly (int Shift, string Unit)[] Units = [(30, "GiB"), (20, "MiB"), (10, "KiB")];

    public static string Format(ulong bytes)
    {
        foreach (var (shift, unit) in Units)
        {
            if (bytes != 0 && bytes % (1UL << shift) == 0)
            {
                return $"{bytes >> shift} {unit}";
            }
        }

        return $"{bytes} B";
    }
}
