// The Storage account behind AzureWebJobsStorage: tables (jobs, outbox, projections, the task hub's),
// queues (one per kind of work, each with its -poison twin) and blobs (documents, leases).

@description('Globally unique storage account name: 3-24 lowercase letters and digits.')
@minLength(3)
@maxLength(24)
param name string

param location string

param tags object = {}

@description('Our own queues; the host creates them on start too, and the Durable Task engine creates its task hub\'s queues itself.')
param queueNames array = [
  'links'
  'events'
  'emails'
  'webhooks-out'
]

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
    accessTier: 'Hot'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for queue in concat(queueNames, map(queueNames, q => '${q}-poison')): {
    parent: queueService
    name: queue
  }
]

output name string = account.name
output id string = account.id
