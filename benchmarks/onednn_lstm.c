/* The LSTM primitive alone, as GenreKit's trainer uses it (T 130, C 13, H 128, Keras's ldigo
 * weights for forward, oneDNN's own layout for backward): milliseconds of forward training and
 * backward per batch. Not part of the build; see benchmarks/RESULTS.md.
 *   cc -O2 benchmarks/onednn_lstm.c -o /tmp/onednn_lstm -ldnnl
 *   OMP_NUM_THREADS=1 /tmp/onednn_lstm 10 100     # batch 10, 100 repetitions
 */
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define CHK(f) do{dnnl_status_t s=(f); if(s!=dnnl_success){fprintf(stderr,"%s:%d %s -> %d\n",__FILE__,__LINE__,#f,s);exit(1);}}while(0)
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static dnnl_memory_t mk(dnnl_engine_t e,const dnnl_memory_desc_t*md){dnnl_memory_t m;CHK(dnnl_memory_create(&m,md,e,DNNL_MEMORY_ALLOCATE));size_t sz=dnnl_memory_desc_get_size(md);void*p;dnnl_memory_get_data_handle(m,&p);memset(p,0,sz);return m;}
int main(int argc,char**argv){if(argc<3){fprintf(stderr,"usage: %s BATCH REPETITIONS\n",argv[0]);return 64;}
 int T=130,N=atoi(argv[1]),C=13,H=128,G=4;int reps=atoi(argv[2]);
 dnnl_engine_t eng;CHK(dnnl_engine_create(&eng,dnnl_cpu,0));dnnl_stream_t st;CHK(dnnl_stream_create(&st,eng,dnnl_stream_default_flags));
 dnnl_memory_desc_t src,dst,wl,wi,b,dsti,dstic,wlany,wiany;
 // dims are in the logical order {T, N, C}; the ntc tag is the layout (batch-major)
 dnnl_dims_t ds2={T,N,C};CHK(dnnl_memory_desc_init_by_tag(&src,3,ds2,dnnl_f32,dnnl_ntc));
 dnnl_dims_t dd2={T,N,H};CHK(dnnl_memory_desc_init_by_tag(&dst,3,dd2,dnnl_f32,dnnl_ntc));
 dnnl_dims_t dwl={1,1,C,G,H};CHK(dnnl_memory_desc_init_by_tag(&wl,5,dwl,dnnl_f32,dnnl_ldigo));CHK(dnnl_memory_desc_init_by_tag(&wlany,5,dwl,dnnl_f32,dnnl_format_tag_any));
 dnnl_dims_t dwi={1,1,H,G,H};CHK(dnnl_memory_desc_init_by_tag(&wi,5,dwi,dnnl_f32,dnnl_ldigo));CHK(dnnl_memory_desc_init_by_tag(&wiany,5,dwi,dnnl_f32,dnnl_format_tag_any));
 dnnl_dims_t db={1,1,G,H};CHK(dnnl_memory_desc_init_by_tag(&b,4,db,dnnl_f32,dnnl_ldgo));
 dnnl_dims_t di={1,1,N,H};CHK(dnnl_memory_desc_init_by_tag(&dsti,4,di,dnnl_f32,dnnl_ldnc));dstic=dsti;
 dnnl_rnn_desc_t fd;CHK(dnnl_lstm_forward_desc_init(&fd,dnnl_forward_training,dnnl_unidirectional_left2right,&src,NULL,NULL,&wl,&wi,&b,&dst,&dsti,&dstic,0));
 dnnl_primitive_desc_t fpd;CHK(dnnl_primitive_desc_create(&fpd,&fd,NULL,eng,NULL));
 const char*impl;dnnl_primitive_desc_query(fpd,dnnl_query_impl_info_str,0,&impl);printf("fwd impl %s\n",impl);
 dnnl_rnn_desc_t bd;CHK(dnnl_lstm_backward_desc_init(&bd,dnnl_backward,dnnl_unidirectional_left2right,&src,NULL,NULL,&wlany,&wiany,&b,&dst,&dsti,&dstic,
   &src,NULL,NULL,&wl,&wi,&b,&dst,&dsti,&dstic,0));
 dnnl_primitive_desc_t bpd;CHK(dnnl_primitive_desc_create(&bpd,&bd,NULL,eng,fpd));
 dnnl_primitive_desc_query(bpd,dnnl_query_impl_info_str,0,&impl);printf("bwd impl %s\n",impl);
 const dnnl_memory_desc_t*ws=dnnl_primitive_desc_query_md(fpd,dnnl_query_workspace_md,0);
 const dnnl_memory_desc_t*fwl=dnnl_primitive_desc_query_md(fpd,dnnl_query_weights_md,0),*fwi=dnnl_primitive_desc_query_md(fpd,dnnl_query_weights_md,1);
 const dnnl_memory_desc_t*bwl=dnnl_primitive_desc_query_md(bpd,dnnl_query_weights_md,0),*bwi=dnnl_primitive_desc_query_md(bpd,dnnl_query_weights_md,1);
 const dnnl_memory_desc_t*dwlm=dnnl_primitive_desc_query_md(bpd,dnnl_query_diff_weights_md,0),*dwim=dnnl_primitive_desc_query_md(bpd,dnnl_query_diff_weights_md,1);
 printf("ws %zu bytes\n",dnnl_memory_desc_get_size(ws));
 dnnl_primitive_t fp,bp;CHK(dnnl_primitive_create(&fp,fpd));CHK(dnnl_primitive_create(&bp,bpd));
 dnnl_memory_t mSrc=mk(eng,&src),mDst=mk(eng,&dst),mDi=mk(eng,&dsti),mDc=mk(eng,&dstic),mB=mk(eng,&b),mWs=mk(eng,ws);
 dnnl_memory_t mWlF=mk(eng,fwl),mWiF=mk(eng,fwi),mWlB=mk(eng,bwl),mWiB=mk(eng,bwi),mdWl=mk(eng,dwlm),mdWi=mk(eng,dwim);
 dnnl_memory_t mdSrc=mk(eng,&src),mdDst=mk(eng,&dst),mdDi=mk(eng,&dsti),mdDc=mk(eng,&dstic),mdB=mk(eng,&b);
 float*p;dnnl_memory_get_data_handle(mSrc,(void**)&p);for(int i=0;i<T*N*C;i++)p[i]=(i%13)*0.05f-0.3f;
 dnnl_memory_get_data_handle(mWiF,(void**)&p);for(size_t i=0;i<dnnl_memory_desc_get_size(fwi)/4;i++)p[i]=((i*7)%11)*0.01f-0.05f;
 dnnl_memory_get_data_handle(mdDi,(void**)&p);for(int i=0;i<N*H;i++)p[i]=0.01f;
 dnnl_exec_arg_t fa[]={{DNNL_ARG_SRC_LAYER,mSrc},{DNNL_ARG_WEIGHTS_LAYER,mWlF},{DNNL_ARG_WEIGHTS_ITER,mWiF},{DNNL_ARG_BIAS,mB},{DNNL_ARG_DST_LAYER,mDst},{DNNL_ARG_DST_ITER,mDi},{DNNL_ARG_DST_ITER_C,mDc},{DNNL_ARG_WORKSPACE,mWs}};
 dnnl_exec_arg_t ba[]={{DNNL_ARG_SRC_LAYER,mSrc},{DNNL_ARG_WEIGHTS_LAYER,mWlB},{DNNL_ARG_WEIGHTS_ITER,mWiB},{DNNL_ARG_BIAS,mB},{DNNL_ARG_DST_LAYER,mDst},{DNNL_ARG_DST_ITER,mDi},{DNNL_ARG_DST_ITER_C,mDc},{DNNL_ARG_WORKSPACE,mWs},
  {DNNL_ARG_DIFF_SRC_LAYER,mdSrc},{DNNL_ARG_DIFF_WEIGHTS_LAYER,mdWl},{DNNL_ARG_DIFF_WEIGHTS_ITER,mdWi},{DNNL_ARG_DIFF_BIAS,mdB},{DNNL_ARG_DIFF_DST_LAYER,mdDst},{DNNL_ARG_DIFF_DST_ITER,mdDi},{DNNL_ARG_DIFF_DST_ITER_C,mdDc}};
 for(int w=0;w<3;w++){CHK(dnnl_primitive_execute(fp,st,8,fa));CHK(dnnl_primitive_execute(bp,st,15,ba));}
 dnnl_stream_wait(st);
 double tf=0,tb=0;for(int r=0;r<reps;r++){double t0=now();CHK(dnnl_primitive_execute(fp,st,8,fa));dnnl_stream_wait(st);double t1=now();CHK(dnnl_primitive_execute(bp,st,15,ba));dnnl_stream_wait(st);tb+=now()-t1;tf+=t1-t0;}
 printf("N=%d fwd %.3f ms bwd %.3f ms per batch; epoch of 6000 -> %.2f s\n",N,tf/reps*1e3,tb/reps*1e3,(tf+tb)/reps*6000.0/N);
}
