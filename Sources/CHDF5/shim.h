// HDF5's predefined types and property lists are macros over global ids (initialised by
// H5open), which Swift cannot import: these return them.
#include <hdf5.h>

static inline hid_t genrekit_h5_default(void) { return H5P_DEFAULT; }
static inline hid_t genrekit_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t genrekit_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t genrekit_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t genrekit_h5p_group_create(void) { return H5P_GROUP_CREATE; }
static inline hid_t genrekit_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t genrekit_h5p_object_create(void) { return H5P_OBJECT_CREATE; }
static inline unsigned genrekit_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned genrekit_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline hid_t genrekit_h5s_all(void) { return H5S_ALL; }
static inline hid_t genrekit_h5e_default(void) { return H5E_DEFAULT; }
