export { createAliyunDirectMailConnector } from './aliyun-dm-connector.js'
export type { AliyunDirectMailOptions } from './aliyun-dm-connector.js'
export { aliyunPercentEncode, signAliyunRequest } from './signature.js'
