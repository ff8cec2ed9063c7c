/* Floors for scripts/bench_floors.sh: the least work GDAL needs to read what a landcons
 * stage reads, in a minimal C loop (no conversion beyond what GDAL itself does).
 *
 *   floors features PATH   every feature: every field as its type (text as raw bytes),
 *                          the geometry as ISO WKB (the parcels stage's floor)
 *   floors arrow PATH      the layer through OGR_L_GetArrowStream (GDAL >= 3.6), every
 *                          batch fetched and released
 *   floors raster PATH     every block of band 1 read and decoded (the zonal floor)
 *
 * Prints the count of features (or cells) and a checksum so nothing is optimised away.
 * Shapefiles are opened with ENCODING="" as landcons opens them (no recoding). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gdal.h"
#include "ogr_api.h"
#include "ogr_recordbatch.h"

static GDALDatasetH open_vector(const char *path) {
    const char *opts[] = {"ENCODING=", NULL};
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, opts, NULL);
    if (!ds) { fprintf(stderr, "cannot open %s\n", path); exit(1); }
    return ds;
}

static int features(const char *path) {
    GDALDatasetH ds = open_vector(path);
    OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int nfields = OGR_FD_GetFieldCount(defn);
    OGRFieldType *types = malloc(sizeof(OGRFieldType) * (nfields + 1));
    for (int i = 0; i < nfields; i++) types[i] = OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, i));
    unsigned char *wkb = NULL;
    size_t wkb_cap = 0;
    unsigned long long n = 0, sum = 0;
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        for (int i = 0; i < nfields; i++) {
            if (!OGR_F_IsFieldSetAndNotNull(f, i)) continue;
            switch (types[i]) {
            case OFTInteger: case OFTInteger64: sum += (unsigned long long)OGR_F_GetFieldAsInteger64(f, i); break;
            case OFTReal: sum += (unsigned long long)OGR_F_GetFieldAsDouble(f, i); break;
            default: sum += strlen(OGR_F_GetFieldAsString(f, i));
            }
        }
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g) {
            size_t size = (size_t)OGR_G_WkbSize(g);
            if (size > wkb_cap) { wkb_cap = size * 2; wkb = realloc(wkb, wkb_cap); }
            OGR_G_ExportToIsoWkb(g, wkbNDR, wkb);
            sum += wkb[size - 1];
        }
        OGR_F_Destroy(f);
        n++;
    }
    printf("features %llu checksum %llu\n", n, sum);
    free(wkb);
    free(types);
    GDALClose(ds);
    return 0;
}

static int arrow(const char *path) {
    GDALDatasetH ds = open_vector(path);
    OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
    struct ArrowArrayStream stream;
    if (!OGR_L_GetArrowStream(layer, &stream, NULL)) { fprintf(stderr, "no Arrow stream\n"); return 1; }
    unsigned long long n = 0, batches = 0;
    for (;;) {
        struct ArrowArray array;
        if (stream.get_next(&stream, &array) != 0) { fprintf(stderr, "get_next: %s\n", stream.get_last_error(&stream)); return 1; }
        if (array.release == NULL) break;
        n += (unsigned long long)array.length;
        batches++;
        array.release(&array);
    }
    stream.release(&stream);
    printf("features %llu batches %llu\n", n, batches);
    GDALClose(ds);
    return 0;
}

static int raster(const char *path) {
    GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
    if (!ds) { fprintf(stderr, "cannot open %s\n", path); return 1; }
    GDALRasterBandH band = GDALGetRasterBand(ds, 1);
    int bx, by;
    GDALGetBlockSize(band, &bx, &by);
    int cols = GDALGetRasterXSize(ds), rows = GDALGetRasterYSize(ds);
    int size = GDALGetDataTypeSizeBytes(GDALGetRasterDataType(band));
    unsigned char *block = malloc((size_t)bx * by * size);
    unsigned long long sum = 0;
    for (int j = 0; j < (rows + by - 1) / by; j++)
        for (int i = 0; i < (cols + bx - 1) / bx; i++) {
            if (GDALReadBlock(band, i, j, block) != CE_None) return 1;
            sum += block[0];
        }
    printf("cells %llu checksum %llu\n", (unsigned long long)cols * rows, sum);
    free(block);
    GDALClose(ds);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: floors features|arrow|raster PATH\n"); return 2; }
    GDALAllRegister();
    if (!strcmp(argv[1], "features")) return features(argv[2]);
    if (!strcmp(argv[1], "arrow")) return arrow(argv[2]);
    if (!strcmp(argv[1], "raster")) return raster(argv[2]);
    return 2;
}
